//! Bearer authentication on every protected route, and tampered tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
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

fn sign(claims: &Value, algorithm: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("sign")
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
    let sub = account.id.to_string();

    // Change a character in the middle of the signature (the last one may
    // only carry padding bits).
    let signature_start = account.token.rfind('.').expect("three parts") + 1;
    let middle = signature_start + (account.token.len() - signature_start) / 2;
    let mut bad_signature = account.token.clone().into_bytes();
    bad_signature[middle] = if bad_signature[middle] == b'A' { b'B' } else { b'A' };
    let bad_signature = String::from_utf8(bad_signature).expect("ASCII");

    let claims = json!({"sub": sub, "iat": now(), "exp": now() + 600});
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let alg_none = format!("{header}.{payload}.");
    let other_algorithm = sign(&claims, Algorithm::HS512, SECRET_KEY.as_bytes());
    let other_key = sign(
        &claims,
        Algorithm::HS256,
        b"not the server's secret key at all",
    );
    let expired = sign(
        &json!({"sub": sub, "iat": now() - 7200, "exp": now() - 3600}),
        Algorithm::HS256,
        SECRET_KEY.as_bytes(),
    );
    let no_such_user = sign(
        &json!({"sub": "999999", "iat": now(), "exp": now() + 600}),
        Algorithm::HS256,
        SECRET_KEY.as_bytes(),
    );

    let cases = [
        ("bad signature", bad_signature),
        ("alg none", alg_none),
        ("other algorithm", other_algorithm),
        ("other key", other_key),
        ("expired", expired),
        ("user no longer exists", no_such_user),
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
