//! HTTP/2 over TLS: a builder with bounds of its own, and the requests
//! open on a connection, so that one held for nothing is closed.
//!
//! hyper's HTTP/2 server has no header-read, idle or send-stall deadline:
//! a client that finished the TLS handshake and then sent nothing, or
//! nothing more, held its connection slot for ever; and one that asked for
//! an export and never opened its flow-control window held the export
//! (and its slot) for ever, since hyper then writes nothing and the
//! socket's stall guard never sees a write wait. So each request counts as
//! open from its head until its answer's body is dropped (handed whole to
//! HTTP/2, or the stream reset), and each answer being sent records since
//! when it has had a frame ready that hyper has not asked for (hyper asks
//! only while the client's window is open). The connection watches both:
//! - none open for the idle deadline: told to go away, then closed;
//! - a frame waiting `send_stall_timeout` to be asked for: the client
//!   stopped reading, and the connection is closed, as over HTTP/1.1.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::{Body, Frame, SizeHint};
use hyper::server::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::watch;

/// Requests a client may have open at once on one connection: with
/// `MAX_CONNECTIONS`, what bounds the requests in flight.
pub const MAX_STREAMS: u32 = 8;
/// What one answer may hold in HTTP/2's send buffer, waiting for the
/// client's window: past it, hyper stops asking the body for more.
const MAX_SEND_BUFFER: usize = 32 * 1024;
/// Largest request head (all its header fields, decoded).
const MAX_HEADER_LIST: u32 = 64 * 1024;
/// How often the peer is pinged, and how long it has to answer, so a
/// client that vanished mid-request is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(20);

/// The server side of HTTP/2 as taskd speaks it.
pub fn builder() -> http2::Builder<TokioExecutor> {
    let mut builder = http2::Builder::new(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_STREAMS)
        .max_header_list_size(MAX_HEADER_LIST)
        .max_send_buf_size(MAX_SEND_BUFFER)
        .keep_alive_interval(KEEP_ALIVE)
        .keep_alive_timeout(KEEP_ALIVE);
    builder
}

/// The requests open on one connection, and the answers it is sending.
#[derive(Debug, Clone)]
pub struct OpenStreams(Arc<Streams>);

#[derive(Debug)]
struct Streams {
    /// Requests open.
    open: watch::Sender<usize>,
    /// Answers being sent: since when each has had a frame ready that
    /// hyper has not asked for (`None` while the body itself is producing).
    sending: Mutex<Sending>,
}

#[derive(Debug, Default)]
struct Sending {
    next: u64,
    waiting: HashMap<u64, Option<Instant>>,
}

impl Default for OpenStreams {
    fn default() -> Self {
        Self(Arc::new(Streams {
            open: watch::Sender::new(0),
            sending: Mutex::default(),
        }))
    }
}

impl Streams {
    fn sending(&self) -> std::sync::MutexGuard<'_, Sending> {
        self.sending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn oldest_wait(&self) -> Option<Instant> {
        self.sending().waiting.values().flatten().min().copied()
    }
}

impl OpenStreams {
    /// Counts one more request open until the guard is dropped.
    pub fn open(&self) -> Open {
        self.0.open.send_modify(|open| *open += 1);
        Open {
            streams: self.0.clone(),
            answer: None,
        }
    }

    /// Completes once no request has been open for `patience`.
    pub fn idle_for(&self, patience: Duration) -> impl Future<Output = ()> + use<> {
        let mut open = self.0.open.subscribe();
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

    /// Completes once an answer has waited `patience` for hyper to ask
    /// for its next frame: the client's flow-control window stayed shut.
    pub fn stalled_for(&self, patience: Duration) -> impl Future<Output = ()> + use<> {
        let streams = self.0.clone();
        async move {
            loop {
                let oldest = streams.oldest_wait();
                let check = oldest.unwrap_or_else(Instant::now) + patience;
                tokio::time::sleep_until(check.into()).await;
                if streams
                    .oldest_wait()
                    .is_some_and(|since| since.elapsed() >= patience)
                {
                    return;
                }
            }
        }
    }
}

/// One open request; dropped with its answer's body.
#[derive(Debug)]
pub struct Open {
    streams: Arc<Streams>,
    /// Set once its answer is being sent.
    answer: Option<u64>,
}

impl Open {
    /// Its answer starts: ready for hyper to ask for its first frame.
    fn sending(&mut self) {
        let mut sending = self.streams.sending();
        let id = sending.next;
        sending.next += 1;
        sending.waiting.insert(id, Some(Instant::now()));
        self.answer = Some(id);
    }

    /// hyper asked for a frame: the body gave one (`ready`), and waits to
    /// be asked again; or it is producing the next, which is not the
    /// client's doing.
    fn asked(&self, ready: bool) {
        if let Some(id) = self.answer
            && let Some(waiting) = self.streams.sending().waiting.get_mut(&id)
        {
            *waiting = ready.then(Instant::now);
        }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(id) = self.answer {
            self.streams.sending().waiting.remove(&id);
        }
        self.streams
            .open
            .send_modify(|open| *open = open.saturating_sub(1));
    }
}

/// A response body that keeps its request counted open until it is sent
/// or dropped, and records whether it waits to be asked for more.
#[derive(Debug)]
pub struct Counted<B> {
    body: B,
    open: Option<Open>,
}

impl<B> Counted<B> {
    pub fn new(body: B, mut open: Option<Open>) -> Self {
        if let Some(open) = &mut open {
            open.sending();
        }
        Self { body, open }
    }
}

impl<B: Body + Unpin> Body for Counted<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = Pin::new(&mut self.body).poll_frame(context);
        if let Some(open) = &self.open {
            open.asked(frame.is_ready());
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
