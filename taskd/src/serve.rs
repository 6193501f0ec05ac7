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
//! - a client that hangs up mid-request is a debug line, not an error;
//! - HTTP/1.1 only: taskd serves no TLS, so HTTP/2 could only be h2c with
//!   prior knowledge, which no task client uses, and whose preface and
//!   streams hyper's header deadline does not cover (a silent preface held
//!   its connection slot for ever). A preface is refused as a bad request
//!   line, at once. HTTP/2 belongs behind a TLS-terminating proxy.
//!
//! - a response the client stops reading (a download left open, its
//!   receive window closed) is given up after `send_stall_timeout` without
//!   progress: the connection closes, and what was waiting to be sent
//!   (an export's pages, its slot) is freed. With `TCP_NOTSENT_LOWAT` a
//!   write waits only for the client to read 128 KiB, so a client that
//!   reads slowly but reads keeps its download.
//!
//! The body-read deadline is the body filter's (`filters::body`).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
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
    /// For a client that reads nothing of a response to read again.
    pub send_stall_timeout: Duration,
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
        // A write waits for room only while more than this is unsent: the
        // socket is writable again as soon as the client has read that
        // much, whatever the send buffer has grown to, so the stall
        // deadline below measures the client's reading, not the kernel's
        // buffering (Linux only; elsewhere the buffer's own wake-ups).
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let _ = socket2::SockRef::from(&stream).set_tcp_notsent_lowat(UNSENT_LOW_WATER);
        let filter = warp::service(app.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(PeerAddress(peer));
            let mut filter = filter.clone();
            let answer = filter.call(request);
            async move { answer.await.map(crate::streamed::into_body) }
        });
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let stream = StallGuard::new(stream, limits.send_stall_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                if stalled(&error) {
                    tracing::info!(%peer, "closed a connection whose client stopped reading");
                } else {
                    // Timeouts, resets and half-sent requests are the client's doing.
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Bytes a connection may hold unsent before a write waits: a client that
/// reads less than this in `send_stall_timeout` is taken for one that stopped.
#[cfg(any(target_os = "linux", target_os = "android"))]
const UNSENT_LOW_WATER: u32 = 128 * 1024;

/// What a stalled write fails with.
const STALLED: &str = "the client stopped reading";

/// Whether a connection ended because its client stopped reading.
fn stalled(error: &hyper::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        if current.downcast_ref::<std::io::Error>().is_some_and(|io| {
            io.kind() == std::io::ErrorKind::TimedOut && io.to_string() == STALLED
        }) {
            return true;
        }
        cause = current.source();
    }
    false
}

/// A connection's socket whose writes fail once none has made progress for
/// `patience`: hyper then closes the connection and drops the response
/// (and whatever fed it). Reads are untouched; their deadlines are hyper's.
struct StallGuard {
    stream: TcpStream,
    patience: Duration,
    /// Set while a write is waiting for room in the socket's buffer.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl StallGuard {
    fn new(stream: TcpStream, patience: Duration) -> Self {
        Self {
            stream,
            patience,
            deadline: None,
        }
    }

    /// Passes on a write's outcome: progress clears the deadline; waiting
    /// starts it, or fails once it has passed.
    fn watch<T>(
        &mut self,
        context: &mut Context<'_>,
        outcome: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if outcome.is_ready() {
            self.deadline = None;
            return outcome;
        }
        let patience = self.patience;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(patience)));
        match deadline.as_mut().poll(context) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                STALLED,
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for StallGuard {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(context, buffer)
    }
}

impl AsyncWrite for StallGuard {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let outcome = Pin::new(&mut self.stream).poll_write(context, buffer);
        self.watch(context, outcome)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffers: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let outcome = Pin::new(&mut self.stream).poll_write_vectored(context, buffers);
        self.watch(context, outcome)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        let outcome = Pin::new(&mut self.stream).poll_flush(context);
        self.watch(context, outcome)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(context)
    }
}
