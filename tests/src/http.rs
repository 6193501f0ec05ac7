//! HTTP helpers: a client, registered accounts, and the calls tests repeat.

use std::time::Duration;

use serde_json::{Value, json};

use crate::process::Server;

/// An HTTP client for tests: no proxies, no pooling surprises.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// A registered user with a token.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub password: String,
    pub token: String,
    pub refresh_token: String,
}

impl Account {
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// An HTTP client that trusts the certificate authority `ca_pem` (and no
/// other), offering HTTP/2 and HTTP/1.1 by ALPN.
pub fn client_trusting(ca_pem: &str) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA certificate");
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .expect("HTTPS client")
}

/// A unique email for this process and test.
pub fn unique_email(label: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{label}-{}-{n}@example.com", std::process::id())
}

impl Server {
    /// An HTTP client for this server: trusting its CA when it serves HTTPS.
    pub fn client(&self) -> reqwest::Client {
        match self.trust() {
            None => client(),
            Some(ca) => client_trusting(ca),
        }
    }

    /// POST /auth/register with a JSON body.
    pub async fn register(&self, email: &str, password: &str) -> reqwest::Response {
        self.client()
            .post(format!("{}/auth/register", self.api))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("register request")
    }

    /// POST /auth/login with the OAuth2 form.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client()
            .post(format!("{}/auth/login", self.api))
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .expect("login request")
    }

    /// Registers a fresh user and logs in.
    pub async fn account(&self, label: &str) -> Account {
        let email = unique_email(label);
        let password = "password123".to_owned();
        let registered = self.register(&email, &password).await;
        assert_eq!(registered.status(), 201, "register {email}");
        let user: Value = registered.json().await.expect("user JSON");
        let login = self.login(&email, &password).await;
        assert_eq!(login.status(), 200, "login {email}");
        let token: Value = login.json().await.expect("token JSON");
        Account {
            id: user["id"].as_i64().expect("user id"),
            email,
            password,
            token: token["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh_token: token["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
        }
    }

    /// Logs `account` in again: a second session with tokens of its own.
    pub async fn session(&self, account: &Account) -> Account {
        let login = self.login(&account.email, &account.password).await;
        assert_eq!(login.status(), 200, "login {}", account.email);
        let token: Value = login.json().await.expect("token JSON");
        Account {
            token: token["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh_token: token["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
            ..account.clone()
        }
    }

    /// POST /auth/refresh.
    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.client()
            .post(format!("{}/auth/refresh", self.api))
            .json(&json!({ "refresh_token": refresh_token }))
            .send()
            .await
            .expect("refresh request")
    }

    /// GET /auth/me with `token`: 200 while the token works.
    pub async fn me(&self, token: &str) -> reqwest::StatusCode {
        self.client()
            .get(format!("{}/auth/me", self.api))
            .bearer_auth(token)
            .send()
            .await
            .expect("me request")
            .status()
    }

    /// `METHOD PATH` under the API prefix as `account`, with a JSON body if given.
    pub async fn send(
        &self,
        account: &Account,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        self.send_with(account, method, path, &[], body).await
    }

    /// Like [`Server::send`], with extra header lines (a name may repeat).
    pub async fn send_with(
        &self,
        account: &Account,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client()
            .request(method, format!("{}{path}", self.api))
            .header("authorization", account.bearer());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// `METHOD PATH` as `account`: the status and the JSON body (`null`
    /// when there is none).
    pub async fn call(
        &self,
        account: &Account,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_with(account, method, path, &[], body).await
    }

    /// `POST /tasks` as `account`, which must answer 201: the task.
    pub async fn created(&self, account: &Account, body: Value) -> Value {
        let (status, task) = self
            .call(account, reqwest::Method::POST, "/tasks", Some(body))
            .await;
        assert_eq!(status, 201, "{task}");
        task
    }

    /// Like [`Server::call`], with extra header lines.
    pub async fn call_with(
        &self,
        account: &Account,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let response = self.send_with(account, method, path, headers, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// POST /tasks as `account`.
    pub async fn create_task(&self, account: &Account, body: Value) -> reqwest::Response {
        self.client()
            .post(format!("{}/tasks", self.api))
            .header("authorization", account.bearer())
            .json(&body)
            .send()
            .await
            .expect("create request")
    }
}

/// The locations of a 422 answer's errors, as `body.field`.
pub fn error_locations(body: &Value) -> Vec<String> {
    body["detail"]
        .as_array()
        .expect("detail is a list")
        .iter()
        .map(|error| {
            error["loc"]
                .as_array()
                .expect("loc")
                .iter()
                .map(|part| part.as_str().expect("loc part").to_owned())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect()
}

/// The `rel="next"` target of a listing's `Link` header, under the API
/// prefix (`/tasks?…`), if there is one.
pub fn next_link(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("link")
        .and_then(|link| link.to_str().ok())
        .and_then(|link| {
            link.split(", ")
                .find(|entry| entry.ends_with("rel=\"next\""))
        })
        .map(|entry| {
            entry
                .trim_start_matches("</api/v1")
                .split('>')
                .next()
                .expect("target")
                .to_owned()
        })
}
