//! HTTP/2 over TLS: a builder with bounds of its own, and the count of
//! requests open on a connection, so one open for nothing is closed.
//!
//! hyper's HTTP/2 server has no header-read or idle deadline: a client that
//! finished the TLS handshake and then sent nothing, or nothing more, held
//! its connection slot for ever. Each request counts as open from its head
//! until its answer's last byte is sent (or the stream is reset); a
//! connection with none open for the idle deadline is told to go away.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, SizeHint};
use hyper::server::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::watch;

/// Requests a client may have open at once on one connection.
const MAX_STREAMS: u32 = 64;
/// Largest request head (all its header fields, decoded).
const MAX_HEADER_LIST: u32 = 64 * 1024;

/// The server side of HTTP/2 as taskd speaks it.
pub fn builder() -> http2::Builder<TokioExecutor> {
    let mut builder = http2::Builder::new(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_STREAMS)
        .max_header_list_size(MAX_HEADER_LIST);
    builder
}

/// How many requests are open on one connection.
#[derive(Debug, Clone)]
pub struct OpenStreams(Arc<watch::Sender<usize>>);

impl Default for OpenStreams {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(0)))
    }
}

impl OpenStreams {
    /// Counts one more request open until the guard is dropped.
    pub fn open(&self) -> Open {
        self.0.send_modify(|open| *open += 1);
        Open(self.0.clone())
    }

    /// Completes once no request has been open for `patience`.
    pub fn idle_for(&self, patience: Duration) -> impl Future<Output = ()> + use<> {
        let mut open = self.0.subscribe();
        async move {
            loop {
                if open.wait_for(|open| *open == 0).await.is_err() {
                    return;
                }
                tokio::select! {
                    () = tokio::time::sleep(patience) => return,
                    changed = open.changed() => if changed.is_err() { return },
                }
            }
        }
    }
}

/// One open request; dropped with its answer's body.
#[derive(Debug)]
pub struct Open(Arc<watch::Sender<usize>>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.send_modify(|open| *open = open.saturating_sub(1));
    }
}

/// A response body that keeps its request counted open until it is sent
/// or dropped.
#[derive(Debug)]
pub struct Counted<B> {
    body: B,
    _open: Option<Open>,
}

impl<B> Counted<B> {
    pub fn new(body: B, open: Option<Open>) -> Self {
        Self { body, _open: open }
    }
}

impl<B: Body + Unpin> Body for Counted<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(context)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
