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
//! - a response the client stops reading (a download left open, its
//!   receive window closed) is given up after `send_stall_timeout` without
//!   progress: the connection closes, and what was waiting to be sent
//!   (an export's pages, its slot) is freed. With `TCP_NOTSENT_LOWAT` a
//!   write waits only for the client to read 128 KiB, so a client that
//!   reads slowly but reads keeps its download.
//!
//! In the clear taskd speaks HTTP/1.1 only: HTTP/2 could only be h2c with
//! prior knowledge, which no task client uses, and a preface is refused as
//! a bad request line, at once. With TLS (`crate::tls`) the client picks
//! HTTP/2 or HTTP/1.1 by ALPN; the TLS handshake must end within
//! `header_read_timeout`, and an HTTP/2 connection with no request open for
//! that long is closed (`http2`), as an idle HTTP/1.1 one is.
//!
//! The body-read deadline is the body filter's (`filters::body`).

mod http2;
mod stall;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tower_service::Service;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use self::http2::OpenStreams;
use self::stall::StallGuard;

/// The peer of a request's connection, for `client_address`.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddress(pub SocketAddr);

/// What bounds a connection.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// For a request head to arrive, and for an idle connection's next one;
    /// with TLS, for the handshake too.
    pub header_read_timeout: Duration,
    /// For a client that reads nothing of a response to read again.
    pub send_stall_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

/// Serves `app` on `listener` (over TLS when `tls` is given) until
/// `shutdown` completes, then stops accepting and waits for the
/// connections in flight to finish.
pub async fn serve(
    listener: TcpListener,
    app: BoxedFilter<(Response,)>,
    limits: ConnectionLimits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Every connection holds a receiver: told to stop, each finishes what
    // it is answering; the sender sees them all gone once they have.
    let (stop_sender, stop) = watch::channel(false);
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
        let stream = StallGuard::new(stream, limits.send_stall_timeout);
        let connection = Connection {
            peer,
            app: app.clone(),
            limits,
            stop: stop.clone(),
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            let outcome = match tls {
                None => connection.http1(stream).await,
                Some(acceptor) => connection.tls(acceptor, stream).await,
            };
            if let Err(error) = outcome {
                if stall::stalled(&error) {
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
    drop(stop);
    let _ = stop_sender.send(true);
    stop_sender.closed().await;
}

/// Bytes a connection may hold unsent before a write waits: a client that
/// reads less than this in `send_stall_timeout` is taken for one that stopped.
#[cfg(any(target_os = "linux", target_os = "android"))]
const UNSENT_LOW_WATER: u32 = 128 * 1024;

/// One accepted connection, before its protocol is known.
struct Connection {
    peer: SocketAddr,
    app: BoxedFilter<(Response,)>,
    limits: ConnectionLimits,
    /// Turns true when taskd stops.
    stop: watch::Receiver<bool>,
}

impl Connection {
    /// The TLS handshake, within the head's deadline, then the protocol
    /// the client chose by ALPN.
    async fn tls(self, acceptor: TlsAcceptor, stream: StallGuard) -> Result<(), hyper::Error> {
        let handshake = acceptor.accept(stream);
        let stream = match tokio::time::timeout(self.limits.header_read_timeout, handshake).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                tracing::debug!(peer = %self.peer, %error, "TLS handshake failed");
                return Ok(());
            }
            Err(_) => {
                tracing::debug!(peer = %self.peer, "TLS handshake timed out");
                return Ok(());
            }
        };
        if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
            self.http2(stream).await
        } else {
            self.http1(stream).await
        }
    }

    async fn http1<S>(self, stream: S) -> Result<(), hyper::Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout);
        let connection = builder.serve_connection(
            TokioIo::new(stream),
            service(self.app.clone(), self.peer, None),
        );
        // Idle connections and stalled writes are hyper's and the stall
        // guard's to end.
        let watch = Watch {
            idle: |_| std::future::pending(),
            stalled: std::future::pending(),
            linger: self.limits.header_read_timeout,
        };
        until_stopped(connection, self.stop, watch, |connection| {
            connection.graceful_shutdown();
        })
        .await
    }

    async fn http2<S>(self, stream: S) -> Result<(), hyper::Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let streams = OpenStreams::default();
        let connection = http2::builder().serve_connection(
            TokioIo::new(stream),
            service(self.app.clone(), self.peer, Some(streams.clone())),
        );
        let peer = self.peer;
        let stalled = streams.stalled_for(self.limits.send_stall_timeout);
        let watch = Watch {
            idle: |patience| streams.idle_for(patience),
            stalled: async move {
                stalled.await;
                tracing::info!(%peer, "closed an HTTP/2 connection whose client stopped reading");
            },
            linger: self.limits.header_read_timeout,
        };
        until_stopped(connection, self.stop, watch, |connection| {
            connection.graceful_shutdown();
        })
        .await
    }
}

/// warp's filter as hyper's service, each request told its peer (and,
/// on HTTP/2, counted open until its answer is sent).
fn service(
    app: BoxedFilter<(Response,)>,
    peer: SocketAddr,
    streams: Option<OpenStreams>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = hyper::Response<http2::Counted<crate::streamed::Body>>,
    Error = std::convert::Infallible,
    Future = impl Future<
        Output = Result<
            hyper::Response<http2::Counted<crate::streamed::Body>>,
            std::convert::Infallible,
        >,
    > + Send,
> + Clone
+ Send
+ 'static {
    let filter = warp::service(app);
    hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(PeerAddress(peer));
        let open = streams.as_ref().map(OpenStreams::open);
        let mut filter = filter.clone();
        let answer = filter.call(request);
        async move {
            answer.await.map(|response| {
                crate::streamed::into_body(response).map(|body| http2::Counted::new(body, open))
            })
        }
    })
}

/// What ends a connection besides its client and taskd's stop.
struct Watch<I, S> {
    /// Completes once no request has been open for the given time.
    idle: I,
    /// Completes once the client has stopped reading an answer.
    stalled: S,
    /// How long a connection told to close may take, once nothing is open.
    linger: Duration,
}

/// Drives `connection` to its end. When taskd stops, or the connection has
/// been idle for `linger`, asks it to close: it finishes the requests it
/// has taken (and any the client opens before it hears), and is dropped
/// once none has been open for `linger` (a client that never answers the
/// goodbye is not waited for). A client that stopped reading is dropped
/// at once.
async fn until_stopped<C, E, I, F>(
    connection: C,
    mut stop: watch::Receiver<bool>,
    watch: Watch<I, impl Future<Output = ()>>,
    shut: impl FnOnce(Pin<&mut C>),
) -> Result<(), E>
where
    C: Future<Output = Result<(), E>>,
    I: Fn(Duration) -> F,
    F: Future<Output = ()>,
{
    let mut connection = std::pin::pin!(connection);
    let mut stalled = std::pin::pin!(watch.stalled);
    tokio::select! {
        outcome = connection.as_mut() => return outcome,
        () = &mut stalled => return Ok(()),
        _ = stop.wait_for(|stop| *stop) => {}
        () = (watch.idle)(watch.linger) => {}
    }
    shut(connection.as_mut());
    tokio::select! {
        outcome = connection => outcome,
        () = &mut stalled => Ok(()),
        () = (watch.idle)(watch.linger) => Ok(()),
    }
}
