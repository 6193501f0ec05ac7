//! Brute-force limits held by the database on PostgreSQL: two instances
//! behind a balancer allow a limit once between them.

use taskd_tests::{Server, ServerOptions, unique_email};

#[tokio::test]
async fn failed_logins_spread_over_two_instances_meet_one_limit_on_postgresql() {
    if !taskd_tests::use_postgres() {
        return;
    }
    let limited = ServerOptions::default()
        .env("LOGIN_LIMIT_PER_EMAIL", "4/1h")
        .env("LOGIN_LIMIT_PER_ADDRESS", "off");
    let first = Server::start_with(limited.clone());
    let second = first.restart(limited);
    let email = unique_email("shared-limit");
    assert_eq!(first.register(&email, "password123").await.status(), 201);
    // Four failures, alternating between the instances: each saw two.
    for server in [&first, &second, &first, &second] {
        assert_eq!(server.login(&email, "wrong-password").await.status(), 401);
    }
    // The fifth is refused on either, right password or not.
    let refused = first.login(&email, "password123").await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(second.login(&email, "password123").await.status(), 429);
    // Another account is not affected (the control).
    let other = unique_email("shared-limit-other");
    assert_eq!(second.register(&other, "password123").await.status(), 201);
    assert_eq!(first.login(&other, "password123").await.status(), 200);
}

#[tokio::test]
async fn on_sqlite_each_instance_counts_on_its_own() {
    taskd_tests::use_backend(taskd_tests::Backend::Sqlite);
    let limited = ServerOptions::default()
        .env("LOGIN_LIMIT_PER_EMAIL", "3/1h")
        .env("LOGIN_LIMIT_PER_ADDRESS", "off");
    let first = Server::start_with(limited.clone());
    let second = first.restart(limited);
    let email = unique_email("local-limit");
    assert_eq!(first.register(&email, "password123").await.status(), 201);
    // Four failures, two on each: neither instance has reached three.
    for server in [&first, &second, &first, &second] {
        assert_eq!(server.login(&email, "wrong-password").await.status(), 401);
    }
    assert_eq!(first.login(&email, "password123").await.status(), 200);
    // The other holds its own count: a third failure there reaches the
    // limit, and it refuses the next.
    assert_eq!(second.login(&email, "wrong-password").await.status(), 401);
    assert_eq!(second.login(&email, "password123").await.status(), 429);
}
