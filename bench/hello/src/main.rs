//! The yardstick of `bench/http.sh`: warp serving `{"status":"ok"}` on the
//! port given as the first argument (0 picks one), with the same runtime
//! taskd uses. It prints the address it listens on, then serves until killed.

use std::net::SocketAddr;

use warp::Filter;

#[tokio::main]
async fn main() {
    let port: u16 = match std::env::args().nth(1).map(|text| text.parse()) {
        None => 0,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("usage: hello [PORT]");
            std::process::exit(2);
        }
    };
    let hello =
        warp::path("health").map(|| warp::reply::json(&serde_json::json!({"status": "ok"})));
    let listener =
        match tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("hello: cannot listen on port {port}: {error}");
                std::process::exit(1);
            }
        };
    if let Ok(address) = listener.local_addr() {
        println!("{address}");
    }
    warp::serve(hello).incoming(listener).run().await;
}
