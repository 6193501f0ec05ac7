//! How a route is wired: its path from the route table, the fallback that
//! answers 405 for a method the path does not have, and what every answer
//! carrying a user's data gets.

use taskcore::routes::Route;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, header};
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::problem::MethodNotAllowed;

/// The literal segments of a path template part, as one filter.
fn segments(part: &'static str) -> BoxedFilter<()> {
    part.split('/')
        .filter(|segment| !segment.is_empty())
        .fold(warp::any().boxed(), |filter, segment| {
            filter.and(warp::path(segment)).boxed()
        })
}

/// The path of a route of the table, exactly; the route has no `{id}`.
pub(super) fn path(route: Route) -> BoxedFilter<()> {
    debug_assert!(!route.path.contains("{id}"), "{} has an id", route.path);
    segments(route.path).and(warp::path::end()).boxed()
}

/// The path of a route of the table with one `{id}`, which it extracts.
pub(super) fn path_with_id(route: Route) -> BoxedFilter<(i64,)> {
    let (before, after) = route.path.split_once("{id}").unwrap_or((route.path, ""));
    segments(before)
        .and(warp::path::param::<i64>())
        .and(segments(after))
        .and(warp::path::end())
        .boxed()
}

/// The last route of a path: whatever method got here is not one the path has.
pub(super) fn method_not_allowed(
    allow: &'static str,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::any().and_then(move || async move {
        Err::<Response, _>(warp::reject::custom(MethodNotAllowed { allow }))
    })
}

/// Responses carrying a user's data or a token must not be cached.
pub(super) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Answers a route as its bearer. `$chain` extracts the handler's
/// arguments up to the bearer (`$before`, such as the id in the path), the
/// bearer itself, then the rest (`$after`); the shared state is added last.
/// The handler's answer, or its error as the one error mapping writes it,
/// is logged as the bearer's.
macro_rules! as_bearer {
    ($chain:expr, $state:expr, ($($before:ident),*), ($($after:ident),*), $handler:path) => {
        $chain
            .and($crate::filters::with_state($state.clone()))
            .then(
                |$($before,)* bearer: $crate::bearer::Bearer, $($after,)* state| async move {
                    $crate::problem::respond_as(
                        bearer.claimed_user(),
                        $handler($($before,)* bearer, $($after,)* state).await,
                    )
                },
            )
    };
}
pub(super) use as_bearer;
