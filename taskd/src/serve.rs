//! Serving connections: warp's filter behind hyper with a timer, so that no
//! client can hold a connection for free.
//!
//! warp's own server runs hyper without a timer, so hyper's header-read
//! timeout never fires: a client sending half a request head held its
//! connection (and a file descriptor) for as long as it liked. Here:
//! - the request head must arrive within `header_read_timeout`, and an idle
//!   keep-alive connection waiting for its next request is closed after the
//!   same time (hyper times the wait for every head, the first or the next);
//! - at most `max_connections` are open at once: past that, new ones wait in
//!   the listen backlog until a slot frees, and those already served go on;
//! - a client that hangs up mid-request is a debug line, not an error.
//!
//! The body-read deadline is the body filter's (`filters::body`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;
use warp::filters::BoxedFilter;
use warp::reply::Response;

/// The peer of a request's connection, for `client_address`.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddress(pub SocketAddr);

/// What bounds a connection.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// For a request head to arrive, and for an idle connection's next one.
    pub header_read_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` completes, then stops
/// accepting and waits for the connections in flight to finish.
pub async fn serve(
    listener: TcpListener,
    app: BoxedFilter<(Response,)>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A free slot first, then a connection: past the cap, clients wait
        // in the kernel's backlog rather than in taskd's memory.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or the like: say so, then retry
                    // after a pause rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let filter = warp::service(app.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(PeerAddress(peer));
            let mut filter = filter.clone();
            let answer = filter.call(request);
            async move { answer.await.map(crate::streamed::into_body) }
        });
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                // Timeouts, resets and half-sent requests are the client's doing.
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
