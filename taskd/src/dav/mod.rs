//! CalDAV (RFC 4791) for task apps: each list a calendar of VTODOs under
//! `/dav/`, found from `/.well-known/caldav`, with HTTP Basic and a token
//! of the `caldav` scope. The objects and their rules are taskcore's
//! (`OwnerTasks::put_object` and friends); this is the protocol.

mod answer;
mod auth;
mod calendar_data;
mod calendars;
mod objects;
mod paths;
mod props;
mod xml;

use std::net::IpAddr;

use bytes::Bytes;
use taskcore::User;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use warp::reply::Response as Reply;

use self::auth::Refused;
use self::paths::{ROOT, Resource};
use crate::client_address::cheap_client_address;
use crate::filters::body;
use crate::state::AppState;

/// What `OPTIONS` and a 405 say taskd does on a CalDAV resource.
const ALLOW: &str =
    "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, MKCOL";
/// The DAV compliance classes taskd implements.
const COMPLIANCE: &str = "1, 3, calendar-access, extended-mkcol";

/// `/.well-known/caldav` and everything under `/dav/`.
pub fn routes(state: AppState) -> BoxedFilter<(Reply,)> {
    let well_known = warp::path!(".well-known" / "caldav")
        .and(warp::path::end())
        .map(|| {
            Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header(header::LOCATION, ROOT)
                .body(Default::default())
                .unwrap_or_default()
        });
    let deadline = state.body_read_timeout;
    // A client given only the server's address asks its root: a PROPFIND
    // there is answered as at `/dav/` (a browser's GET still gets the page).
    let root = warp::path::end()
        .and(warp::method())
        .and_then(|method: Method| async move {
            if method.as_str() == "PROPFIND" {
                Ok(String::new())
            } else {
                Err(warp::reject::not_found())
            }
        });
    let under_dav = warp::path("dav")
        .and(warp::path::tail())
        .map(|tail: warp::path::Tail| tail.as_str().to_owned());
    let dav = root
        .or(under_dav)
        .unify()
        .and(warp::method())
        .and(warp::header::headers_cloned())
        .and(cheap_client_address(state.trusted_proxies.clone()))
        .and(body(deadline))
        .then(
            move |tail: String,
                  method: Method,
                  headers: HeaderMap,
                  address: Option<IpAddr>,
                  _media_type: Option<String>,
                  body: Bytes| {
                let state = state.clone();
                async move { serve(&state, &tail, method, &headers, address, &body).await }
            },
        );
    well_known.or(dav).unify().boxed()
}

/// One CalDAV request, answered.
async fn serve(
    state: &AppState,
    tail: &str,
    method: Method,
    headers: &HeaderMap,
    address: Option<IpAddr>,
    body: &Bytes,
) -> Reply {
    if method == Method::OPTIONS {
        return Response::builder()
            .status(StatusCode::OK)
            .header("DAV", COMPLIANCE)
            .header(header::ALLOW, ALLOW)
            .body(Default::default())
            .unwrap_or_default();
    }
    let user = match auth::user(state, headers.get(header::AUTHORIZATION), address).await {
        Ok(user) => user,
        Err(refused) => return refusal(refused),
    };
    // Another user's resource is never found.
    let Some(resource) =
        Resource::at(tail).filter(|found| found.owner().is_none_or(|owner| owner == user.id))
    else {
        return status(StatusCode::NOT_FOUND);
    };
    let request = Request {
        state,
        user: &user,
        headers,
        body,
    };
    match method.as_str() {
        "PROPFIND" => props::propfind(&request, &resource).await,
        "REPORT" => objects::report(&request, &resource).await,
        "GET" | "HEAD" => objects::get(&request, &resource, method == Method::HEAD).await,
        "PUT" => objects::put(&request, &resource).await,
        "MKCALENDAR" => calendars::make(&request, &resource, false).await,
        "MKCOL" => calendars::make(&request, &resource, true).await,
        "PROPPATCH" => match &resource {
            Resource::Calendar(_, segment) => {
                calendars::proppatch(&request, segment, &resource.href()).await
            }
            _ => dav_error(
                StatusCode::FORBIDDEN,
                "d:cannot-modify-protected-property",
                "Only a calendar's name, colour and order can be changed",
            ),
        },
        "DELETE" => match &resource {
            Resource::Calendar(_, segment) => calendars::delete(&request, segment).await,
            _ => objects::delete(&request, &resource).await,
        },
        _ => Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, ALLOW)
            .body(Default::default())
            .unwrap_or_default(),
    }
}

/// A request let in: whose, and what it sent.
pub(super) struct Request<'a> {
    pub state: &'a AppState,
    pub user: &'a User,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
}

impl Request<'_> {
    /// The `Depth` header: 0 or 1; `None` for infinity (also its default).
    pub fn depth(&self) -> Option<u8> {
        match self
            .headers
            .get("depth")
            .and_then(|value| value.to_str().ok())
        {
            Some("0") => Some(0),
            Some("1") => Some(1),
            _ => None,
        }
    }
}

fn refusal(refused: Refused) -> Reply {
    match refused {
        Refused::Unauthorized => Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header(header::WWW_AUTHENTICATE, "Basic realm=\"taskd\", charset=\"UTF-8\"")
            .body("Log in with your email and an app password: an API token with the caldav scope (taskctl token create phone --scope caldav)\n".into())
            .unwrap_or_default(),
        Refused::TooMany(seconds) => Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::RETRY_AFTER, seconds.to_string())
            .body(Default::default())
            .unwrap_or_default(),
        Refused::Unavailable => status(StatusCode::SERVICE_UNAVAILABLE),
    }
}

/// An answer with no body.
pub(super) fn status(status: StatusCode) -> Reply {
    Response::builder()
        .status(status)
        .body(Default::default())
        .unwrap_or_default()
}

/// A DAV error: `status`, with a body naming the precondition `element`.
pub(super) fn dav_error(status: StatusCode, element: &str, message: &str) -> Reply {
    xml_answer(status, answer::error_body(element, message))
}

/// An XML answer.
pub(super) fn xml_answer(status: StatusCode, body: String) -> Reply {
    Response::builder()
        .status(status)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        )
        .body(body.into())
        .unwrap_or_default()
}
