//! Response bodies written while they are sent (an export of any size),
//! which warp's own body type cannot be made from: a handler answers with
//! [`response`], which carries the receiving end of a channel, and the
//! connection ([`into_body`], in `serve/mod.rs`) sends what arrives on it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{Either, StreamBody};
use hyper::body::Frame;
use tokio::sync::mpsc;
use warp::reply::Response;

/// What a producer sends: the next piece of the body, or the error that
/// ends it (the connection is then closed, or over HTTP/2 the stream
/// reset, so the client sees the body cut short rather than complete).
pub type Piece = Result<Bytes, std::io::Error>;

/// How many pieces may wait for a slow client: the producer waits beyond.
const PIECES_IN_FLIGHT: usize = 2;

/// What the connection reads a streamed body from: the channel's
/// receiving end, and the flag that cuts the body short.
struct Receiving {
    pieces: mpsc::Receiver<Piece>,
    cut: Arc<AtomicBool>,
}

/// The receiving end, in the response's extensions until the connection
/// takes it.
#[derive(Clone)]
struct Pending(Arc<Mutex<Option<Receiving>>>);

/// The producing end of a streamed body.
#[derive(Debug)]
pub struct Producer {
    sender: mpsc::Sender<Piece>,
    cut: Arc<AtomicBool>,
}

/// The client is gone: nothing more will be sent.
#[derive(Debug)]
pub struct Gone;

impl Producer {
    /// Queues the next piece, waiting while [`PIECES_IN_FLIGHT`] wait for
    /// the client.
    pub async fn send(&self, piece: Piece) -> Result<(), Gone> {
        self.sender.send(piece).await.map_err(|_| Gone)
    }

    /// Ends the body with an error as soon as the connection next asks for
    /// more, whatever is still queued: the connection closes, and the
    /// client sees the body cut short.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::Release);
    }
}

/// A channel for a streamed body, and the response (status 200, no body
/// yet) that sends what the channel carries; set its headers as usual.
pub fn response() -> (Producer, Response) {
    let (sender, receiver) = mpsc::channel(PIECES_IN_FLIGHT);
    let cut = Arc::new(AtomicBool::new(false));
    let mut response = Response::new(Default::default());
    response
        .extensions_mut()
        .insert(Pending(Arc::new(Mutex::new(Some(Receiving {
            pieces: receiver,
            cut: cut.clone(),
        })))));
    (Producer { sender, cut }, response)
}

/// One body frame at a time, from the channel.
type NextFrame = Box<
    dyn FnMut(&mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> + Send + Sync,
>;

/// A stream of a channel's pieces as body frames.
pub type Frames = StreamBody<futures_util::stream::PollFn<NextFrame>>;

/// A response body as the connection sends it: warp's, or a streamed one.
pub type Body = Either<<warp::reply::Response as Parts>::Body, Frames>;

/// Names the body type of a response.
pub trait Parts {
    type Body;
}

impl<B> Parts for http::Response<B> {
    type Body = B;
}

/// A response as the connection sends it: its own body, or the streamed one.
pub fn into_body<B>(response: http::Response<B>) -> http::Response<Either<B, Frames>> {
    let (mut parts, body) = response.into_parts();
    let receiver = parts
        .extensions
        .remove::<Pending>()
        .and_then(|pending| pending.0.lock().ok().and_then(|mut slot| slot.take()));
    let body = match receiver {
        None => Either::Left(body),
        Some(Receiving {
            pieces: mut receiver,
            cut,
        }) => {
            let poll: NextFrame = Box::new(move |context| {
                if cut.load(Ordering::Acquire) {
                    receiver.close();
                    return Poll::Ready(Some(Err(std::io::Error::other("cut short"))));
                }
                receiver
                    .poll_recv(context)
                    .map(|piece| piece.map(|piece| piece.map(Frame::data)))
            });
            Either::Right(StreamBody::new(futures_util::stream::poll_fn(poll)))
        }
    };
    http::Response::from_parts(parts, body)
}
