//! Bearer authentication on every protected route, and tampered tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};
use taskd_tests::{SECRET_KEY, Server, client};

const PROTECTED: [(&str, &str); 10] = [
    ("GET", "/auth/me"),
    ("DELETE", "/auth/me"),
    ("POST", "/auth/logout"),
    ("POST", "/auth/password"),
    ("GET", "/tasks"),
    ("POST", "/tasks"),
    ("GET", "/tasks/1"),
    ("PATCH", "/tasks/1"),
    ("DELETE", "/tasks/1"),
    ("GET", "/tasks?skip=0&limit=5"),
];

async fn call(
    server: &Server,
    method: &str,
    path: &str,
    authorization: Option<&str>,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client().request(method, format!("{}{path}", server.api));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect("request")
}

async fn assert_401(response: reqwest::Response, detail: &str, what: &str) {
    assert_eq!(response.status(), 401, "{what}");
    assert_eq!(response.headers()["www-authenticate"], "Bearer", "{what}");
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{what}"
    );
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body, json!({"detail": detail}), "{what}");
}

/// A real token taken apart: its header and its claims, as JSON.
struct Parts {
    header: Value,
    claims: Value,
}

impl Parts {
    fn of(token: &str) -> Self {
        let decode = |part: &str| -> Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
        };
        let mut parts = token.split('.');
        let header = decode(parts.next().expect("header"));
        let claims = decode(parts.next().expect("claims"));
        assert!(header["kid"].is_string(), "taskd names its key: {header}");
        assert!(
            claims["sid"].is_number() && claims["jti"].is_string(),
            "{claims}"
        );
        Self { header, claims }
    }

    /// The same parts, signed with `secret` by the algorithm the header names.
    fn sign(&self, secret: &[u8]) -> String {
        let header: Header = serde_json::from_value(self.header.clone()).expect("header");
        jsonwebtoken::encode(&header, &self.claims, &EncodingKey::from_secret(secret))
            .expect("sign")
    }

    /// Another copy with one header field changed.
    fn with_header(&self, field: &str, value: Value) -> Self {
        let mut header = self.header.clone();
        header[field] = value;
        Self {
            header,
            claims: self.claims.clone(),
        }
    }

    /// Another copy with one claim changed.
    fn with_claim(&self, field: &str, value: Value) -> Self {
        let mut claims = self.claims.clone();
        claims[field] = value;
        Self {
            header: self.header.clone(),
            claims,
        }
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

taskd_tests::on_both_backends! {
async fn every_protected_route_requires_a_token() {
    let server = Server::start();
    for (method, path) in PROTECTED {
        let what = format!("{method} {path} without a token");
        assert_401(
            call(&server, method, path, None).await,
            "Not authenticated",
            &what,
        )
        .await;
        let what = format!("{method} {path} with Basic auth");
        assert_401(
            call(&server, method, path, Some("Basic dXNlcjpwYXNz")).await,
            "Not authenticated",
            &what,
        )
        .await;
    }
}
}

taskd_tests::on_both_backends! {
async fn tampered_tokens_are_refused_on_every_protected_route() {
    let server = Server::start();
    let account = server.account("tamper").await;
    let genuine = Parts::of(&account.token);

    // The control: the real header and claims, signed again with the
    // server's key, are accepted. Each forgery below changes one thing.
    let resigned = genuine.sign(SECRET_KEY.as_bytes());
    assert_eq!(server.me(&resigned).await, 200, "the unchanged construction");

    // Change a character in the middle of the signature (the last one may
    // only carry padding bits).
    let signature_start = account.token.rfind('.').expect("three parts") + 1;
    let middle = signature_start + (account.token.len() - signature_start) / 2;
    let mut bad_signature = account.token.clone().into_bytes();
    bad_signature[middle] = if bad_signature[middle] == b'A' { b'B' } else { b'A' };
    let bad_signature = String::from_utf8(bad_signature).expect("ASCII");

    let unsigned = genuine.with_header("alg", json!("none"));
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(unsigned.header.to_string()),
        URL_SAFE_NO_PAD.encode(unsigned.claims.to_string())
    );
    let other_algorithm = genuine
        .with_header("alg", json!("HS512"))
        .sign(SECRET_KEY.as_bytes());
    let other_key = genuine.sign(b"not the server's secret key at all");
    let expired = genuine
        .with_claim("iat", json!(now() - 7200))
        .with_claim("exp", json!(now() - 3600))
        .sign(SECRET_KEY.as_bytes());
    let other_user = genuine
        .with_claim("sub", json!((account.id + 1000).to_string()))
        .sign(SECRET_KEY.as_bytes());
    let other_session = genuine
        .with_claim("sid", json!(genuine.claims["sid"].as_i64().expect("sid") + 1000))
        .sign(SECRET_KEY.as_bytes());
    let unknown_key_id = genuine
        .with_header("kid", json!("not-a-key-id"))
        .sign(SECRET_KEY.as_bytes());

    // A genuine token, unchanged, of an account deleted since.
    let deleted = server.account("deleted").await;
    let gone = client()
        .delete(format!("{}/auth/me", server.api))
        .header("authorization", deleted.bearer())
        .json(&json!({"password": deleted.password}))
        .send()
        .await
        .expect("delete request");
    assert_eq!(gone.status(), 204);

    let cases = [
        ("bad signature", bad_signature),
        ("alg none", alg_none),
        ("other algorithm", other_algorithm),
        ("other key", other_key),
        ("expired", expired),
        ("another user's id", other_user),
        ("another session's id", other_session),
        ("unknown key id", unknown_key_id),
        ("user no longer exists", deleted.token.clone()),
        ("garbage", "not.a.token".to_owned()),
        ("empty", String::new()),
    ];
    for (name, token) in &cases {
        for (method, path) in PROTECTED {
            let what = format!("{name}: {method} {path}");
            let response = call(&server, method, path, Some(&format!("Bearer {token}"))).await;
            assert_401(response, "Could not validate credentials", &what).await;
        }
    }
    // The genuine token still works.
    let genuine = call(&server, "GET", "/auth/me", Some(&account.bearer())).await;
    assert_eq!(genuine.status(), 200);
}
}
