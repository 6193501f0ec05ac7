//! Response bodies written while they are sent (an export of any size),
//! which warp's own body type cannot be made from: a handler answers with
//! [`response`], which carries the receiving end of a channel, and the
//! connection ([`into_body`], in `serve.rs`) sends what arrives on it.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{Either, StreamBody};
use hyper::body::Frame;
use tokio::sync::mpsc;
use warp::reply::Response;

/// What a producer sends: the next piece of the body, or the error that
/// ends it (the connection is then closed, so the client sees the body cut
/// short rather than complete).
pub type Piece = Result<Bytes, std::io::Error>;

/// How many pieces may wait for a slow client: the producer waits beyond.
const PIECES_IN_FLIGHT: usize = 2;

/// The receiving end, in the response's extensions until the connection
/// takes it.
#[derive(Clone)]
struct Pending(Arc<Mutex<Option<mpsc::Receiver<Piece>>>>);

/// A channel for a streamed body, and the response (status 200, no body
/// yet) that sends what the channel carries; set its headers as usual.
pub fn response() -> (mpsc::Sender<Piece>, Response) {
    let (sender, receiver) = mpsc::channel(PIECES_IN_FLIGHT);
    let mut response = Response::new(Default::default());
    response
        .extensions_mut()
        .insert(Pending(Arc::new(Mutex::new(Some(receiver)))));
    (sender, response)
}

/// One body frame at a time, from the channel.
type NextFrame = Box<
    dyn FnMut(&mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> + Send + Sync,
>;

/// A stream of a channel's pieces as body frames.
type Frames = StreamBody<futures_util::stream::PollFn<NextFrame>>;

/// A response as the connection sends it: its own body, or the streamed one.
pub fn into_body<B>(response: http::Response<B>) -> http::Response<Either<B, Frames>> {
    let (mut parts, body) = response.into_parts();
    let receiver = parts
        .extensions
        .remove::<Pending>()
        .and_then(|pending| pending.0.lock().ok().and_then(|mut slot| slot.take()));
    let body = match receiver {
        None => Either::Left(body),
        Some(mut receiver) => {
            let poll: NextFrame = Box::new(move |context| {
                receiver
                    .poll_recv(context)
                    .map(|piece| piece.map(|piece| piece.map(Frame::data)))
            });
            Either::Right(StreamBody::new(futures_util::stream::poll_fn(poll)))
        }
    };
    http::Response::from_parts(parts, body)
}
