//! A user's data, theirs to take and bring: `/export` streams every task as
//! one JSON document; `/import` creates tasks from such a document or from
//! Taskwarrior's `task export`.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use taskcore::export::ExportWriter;
use taskcore::import::{self, ImportReport, ImportRun};
use taskcore::routes::{self, EXPORT, IMPORT};
use taskcore::store::EXPORT_PAGE;
use taskcore::{Store, TaskId, TaskList, User, UserId};
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, header};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use super::responses::Unauthorized;
use super::wiring::{as_bearer, method_not_allowed, path};
use crate::bearer::{Access, Bearer};
use crate::filters::{bearer, body_up_to, check_json_body};
use crate::problem::{ApiError, ErrorDetail, ValidationDetail};
use crate::state::{AppState, blocking};
use crate::streamed::{self, Gone, Producer};
use crate::transfers::{Refusal, Slot};

/// The largest import body: 20 MiB, on this route only.
pub const IMPORT_LIMIT: u64 = 20 * 1024 * 1024;
// Tasks are exported EXPORT_PAGE (taskcore's) per database hop and per
// piece of the body, fewer when their histories pass PAGE_COMPLETIONS
// occurrences: a piece is at most about 3 MiB, and an export holds two
// waiting for its client and one being written.

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let export = path(EXPORT).and(
        as_bearer!(
            warp::get().and(bearer(state.clone())),
            state,
            (),
            (),
            export_tasks
        )
        .or(method_not_allowed(EXPORT.allow))
        .unify(),
    );
    // The slot is taken, as the bearer's, before the body is read.
    let import = path(IMPORT).and(
        as_bearer!(
            warp::post()
                .and(import_slot(state.clone()))
                .and(warp::query::<Vec<(String, String)>>())
                .and(body_up_to(state.body_read_timeout, IMPORT_LIMIT)),
            state,
            (),
            (slot, pairs, media_type, bytes),
            import_tasks
        )
        .or(method_not_allowed(IMPORT.allow))
        .unify(),
    );
    export.or(import).unify().boxed()
}

/// The bearer, with a live session, and an import slot of theirs: taken
/// before the body is read, so that imports past the limits cost no more
/// than their heads (503, and the connection closes).
fn import_slot(
    state: AppState,
) -> impl Filter<Extract = (Bearer, Slot), Error = Rejection> + Clone {
    bearer(state.clone())
        .and_then(move |bearer: Bearer| {
            let state = state.clone();
            async move {
                let store = state.store.clone();
                let user = blocking(move || bearer.user(&store, Access::Write))
                    .await
                    .map_err(warp::reject::custom)?;
                match state.imports.take(user.id) {
                    Ok(slot) => Ok((bearer, slot)),
                    Err(refusal) => Err(warp::reject::custom(busy("import", refusal))),
                }
            }
        })
        .untuple_one()
}

/// The answer to a transfer refused a slot.
fn busy(kind: &'static str, refusal: Refusal) -> ApiError {
    ApiError::Busy(match (kind, refusal) {
        ("import", Refusal::Yours) => "You have an import running; try again when it has finished",
        ("import", Refusal::Everyone) => "Too many imports are running; try again in a few seconds",
        (_, Refusal::Yours) => {
            "You have as many exports running as one account may; try again when one has finished"
        }
        (_, Refusal::Everyone) => "Too many exports are running; try again in a few seconds",
    })
}

/// Download every task of yours, open, done and trashed, as one JSON document:
/// `{"format":"taskd-export","version":1,"exported_at","user":{"email","timezone"},"lists":[…],"tasks":[…]}`.
/// Each task carries its list's name (`list`), its completed occurrences
/// (`completions`, newest first, at most 1,000) and where its series stands
/// (`series`), where it has them.
///
/// Each task is as the API shows it with its list's name as `list` (an
/// import puts it in the list of that name, made if missing), a trashed one
/// with `deleted_at`. The
/// document is written as it is sent, so its size does not matter; a
/// failure part-way cuts it short (it is then not valid JSON), as does a
/// client that reads nothing for the server's `SEND_STALL_TIMEOUT`, or
/// reads more slowly than 64 KiB/s on average after it. Two exports per
/// user and four in all run at once.
#[utoipa::path(
    get, path = routes::EXPORT.path, tag = "sync",
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "The export document", content_type = "application/json", body = Object),
        Unauthorized,
        (status = 503, description = "You have two exports running, or four run in all; retry after Retry-After seconds", body = ErrorDetail),
    )
)]
pub async fn export_tasks(bearer: Bearer, state: AppState) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let (user, lists) = blocking(move || {
        let user = bearer.user(&store, Access::Read)?;
        let lists = store.lists(user.id).all()?;
        Ok((user, lists))
    })
    .await?;
    let slot = state
        .exports
        .take(user.id)
        .map_err(|refusal| busy("export", refusal))?;
    let (producer, mut response) = streamed::response();
    let grace = state.send_stall_timeout;
    tokio::spawn(async move {
        write_export(state.store.clone(), user, lists, producer, grace).await;
        // Given back once the export is sent, or its client gone.
        drop(slot);
    });
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tasks.json\""),
    );
    Ok(response)
}

/// The slowest an export is sent, on average, once its first
/// `send_stall_timeout` has passed: a client that reads more slowly loses
/// the download (and the slot it holds, which others wait for).
const EXPORT_MIN_RATE: f64 = 64.0 * 1024.0;

/// Paces an export: when each piece must have been taken by the client.
struct Pace {
    started: tokio::time::Instant,
    grace: Duration,
    sent: u64,
}

impl Pace {
    /// When a piece of `length` bytes, after those sent, is due.
    fn due(&self, length: usize) -> tokio::time::Instant {
        let bytes = (self.sent + length as u64) as f64;
        self.started + self.grace + Duration::from_secs_f64(bytes / EXPORT_MIN_RATE)
    }
}

/// Queues `piece`; false once the export is over: the client is gone, or
/// reads more slowly than [`EXPORT_MIN_RATE`] (its body is then cut).
async fn deliver(producer: &Producer, pace: &mut Pace, piece: String) -> bool {
    let due = pace.due(piece.len());
    let length = piece.len() as u64;
    match tokio::time::timeout_at(due, producer.send(Ok(Bytes::from(piece)))).await {
        Ok(Ok(())) => {
            pace.sent += length;
            true
        }
        Ok(Err(Gone)) => false,
        Err(_) => {
            tracing::info!(
                sent = pace.sent,
                "cut an export whose client read more slowly than 64 KiB/s"
            );
            producer.cut();
            false
        }
    }
}

/// Writes the export of `user` into `producer`, a page of tasks at a time;
/// stops when the client hangs up or reads too slowly.
async fn write_export(
    store: Store,
    user: User,
    lists: Vec<TaskList>,
    producer: Producer,
    grace: Duration,
) {
    let mut pace = Pace {
        started: tokio::time::Instant::now(),
        grace,
        sent: 0,
    };
    let (mut writer, mut piece) = ExportWriter::start(&user, &lists);
    let mut after = Some(TaskId(0));
    while let Some(from) = after {
        let page_store = store.clone();
        let owner: UserId = user.id;
        // Read and written out on a blocking thread, which has the writer
        // meanwhile: the executor only passes the text on.
        let page = blocking(move || {
            let page = page_store.tasks(owner).export_page(from, EXPORT_PAGE)?;
            let last = page.last().map(|exported| exported.task.id);
            let text = writer.page(&page);
            Ok((writer, text, last))
        })
        .await;
        let text;
        (writer, text, after) = match page {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(?error, "export failed part-way; the download is cut short");
                producer.cut();
                return;
            }
        };
        piece.push_str(&text);
        if after.is_some() && !deliver(&producer, &mut pace, std::mem::take(&mut piece)).await {
            return;
        }
    }
    piece.push_str(writer.finish());
    deliver(&producer, &mut pace, piece).await;
}

/// taskd's export document. Its `lists` (each `name`, `color`, `position`,
/// `is_default`), when given, lend the lists an import makes their colour
/// and position.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)] // Documents a body; `taskcore::import::read` reads it.
struct ExportDocument {
    /// Always `taskd-export`.
    #[schema(pattern = "^taskd-export$", example = "taskd-export")]
    format: String,
    /// The document's version: 1.
    #[schema(minimum = 1, maximum = 1)]
    version: u64,
    /// When it was written; for people, not read.
    exported_at: Option<String>,
    /// Whose tasks these are: `email` and `timezone`.
    #[schema(value_type = Option<Object>)]
    user: Option<Value>,
    /// Each task as the API shows it, a trashed one with `deleted_at`, with
    /// its list by name (`list`), its completed occurrences (`completions`:
    /// `[{"due","completed_at"}]`, newest first) and where its series stands
    /// (`series`: `{"anchor","done"}`); checked one by one, as a
    /// Taskwarrior export's entries are.
    #[schema(value_type = Vec<Value>)]
    tasks: Vec<Value>,
}

/// Taskwarrior's export: an array of task objects (`uuid`, `description`,
/// `status`, …). Each entry is checked on its own: one that cannot be
/// imported is reported in `errors`, not refused with the file.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)] // Documents a body.
struct TaskwarriorExport(Vec<Value>);

/// What an import reads: taskd's export, or Taskwarrior's `task export`
/// array (objects with `uuid`, `description`, `status`, …).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Documents a body.
enum ImportDocument {
    Taskd(ExportDocument),
    Taskwarrior(TaskwarriorExport),
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query string.
struct ImportQuery {
    /// `true`: report what the import would do and change nothing.
    dry_run: Option<bool>,
}

/// Create tasks from an export: taskd's own document, or the JSON array
/// Taskwarrior's `task export` writes.
///
/// Every task is created for you with a new id; one deleted in the file
/// goes to your trash. Each remembers where it came from, so importing the
/// same file again creates nothing (`skipped`). From Taskwarrior:
/// `description` becomes the title, `annotations` the description,
/// `status` pending/completed/deleted, `entry` the creation time, `end` the
/// completion time, `due` `due_at`, `priority` H/M/L, `tags` the tags.
/// Entries that cannot be imported are listed in `errors` by position (the
/// first hundred; `errors_not_listed` counts the rest); the others are
/// imported. Bodies up to 20 MiB, 100,000 entries. One import per user
/// and two in all run at once: another is answered 503 from its head,
/// before its body is read.
#[utoipa::path(
    post, path = routes::IMPORT.path, tag = "sync",
    params(ImportQuery),
    request_body(content = ImportDocument, description = "A taskd export document, or a Taskwarrior export array", content_type = "application/json"),
    security(("OAuth2PasswordBearer" = []), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "What was imported (or, for a dry run, would be)", body = ImportReport),
        Unauthorized,
        (status = 413, description = "Body larger than 20 MiB", body = ErrorDetail),
        (status = 415, description = "Body is not JSON", body = ErrorDetail),
        (status = 422, description = "Neither an export nor a Taskwarrior array, more than 100,000 entries, or dry_run not a boolean", body = ValidationDetail),
        (status = 503, description = "You have an import running, or too many run; retry after Retry-After seconds. Or the database failed part-way: the detail says how many tasks landed, and sending the file again imports the rest", body = ErrorDetail),
    )
)]
pub async fn import_tasks(
    bearer: Bearer,
    slot: Slot,
    pairs: Vec<(String, String)>,
    media_type: Option<String>,
    bytes: Bytes,
    state: AppState,
) -> Result<Response, ApiError> {
    let dry_run = match dry_run(&pairs) {
        Ok(dry_run) => dry_run,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    if let Err(error) = check_json_body(media_type.as_deref(), &bytes) {
        return state.refuse(bearer, Access::Write, error).await;
    }
    // Reading 20 MiB of JSON is blocking work. Entries are counted as they
    // are parsed, and only those an import takes are kept.
    let run = state
        .import_thread
        .run(move || {
            let parsed = import::Document::parse(&bytes);
            // The body is not needed once parsed.
            drop(bytes);
            let run = match parsed {
                Ok(document) => ImportRun::new(document).map_err(ApiError::from),
                Err(invalid) => Err(ApiError::InvalidJson(invalid.msg)),
            };
            // The slot goes with the work: if the client leaves meanwhile,
            // it is given back only once the work is done.
            (run, slot)
        })
        .await
        .and_then(|(run, slot)| run.map(|run| (run, slot)));
    let (mut run, _slot) = match run {
        Ok(run) => run,
        Err(error) => return state.refuse(bearer, Access::Write, error).await,
    };
    let mut committed = false;
    while let Some(page) = run.next_page() {
        let created = if dry_run {
            state
                .read(bearer, move |store, user| {
                    store.tasks(user).import_page(&page, true)
                })
                .await?
        } else {
            let written = state
                .write(bearer, move |store, user| {
                    store.tasks(user).import_page(&page, false)
                })
                .await;
            match written {
                Ok(created) => {
                    committed = true;
                    created
                }
                // Each page is committed on its own: once one has, say
                // which landed, whatever stopped the rest.
                Err(error) if committed => {
                    tracing::warn!(?error, "an import stopped part-way");
                    return Err(ApiError::ImportCutShort {
                        created: run.report().created,
                        entries: run.entries(),
                    });
                }
                Err(error) => return Err(error),
            }
        };
        run.record(&created);
    }
    Ok(warp::reply::json(&run.finish()).into_response())
}

/// The `dry_run` flag of the query string; false when absent.
fn dry_run(pairs: &[(String, String)]) -> Result<bool, ApiError> {
    Ok(import::ImportQuery::from_pairs(pairs)?.dry_run)
}
