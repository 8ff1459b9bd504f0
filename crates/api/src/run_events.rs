//! `GET /api/v1/symphony/runs/{uuid}/events`: a run's view as server-sent events, sent again each
//! time the run moves, until it ends. A connection lasts at most a minute (browsers reconnect by
//! themselves); at most 64 are open at once, 16 per key.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::runs::{RunView, detailed};
use crate::state::AppState;

/// Streams open at once, all clients together.
pub const MAX_RUN_STREAMS: usize = 64;
/// How often a stream looks at its run: the most a change waits before it is sent.
const LOOK_EVERY: Duration = Duration::from_millis(200);
/// How long one connection lasts.
const STREAM_FOR: Duration = Duration::from_secs(60);

/// The run streams open: each holds a permit while it lasts.
#[derive(Debug, Clone)]
pub struct RunStreams(Arc<Semaphore>);

impl Default for RunStreams {
    fn default() -> Self {
        RunStreams(Arc::new(Semaphore::new(MAX_RUN_STREAMS)))
    }
}

/// What a stream looks at to tell that its run moved, without reading the run's nodes.
type Mark = (String, i64);

struct Watch {
    state: AppState,
    caller: Caller,
    uuid: String,
    next: Option<RunView>,
    seen: Mark,
    started: Instant,
    _permit: OwnedSemaphorePermit,
    _share: crate::slots::KeySlot,
}

/// The run's view now, then again each time it changes, as `run` events; the stream ends once
/// the run has ended. A run that does not exist is a 404; too many streams open, a 503.
#[utoipa::path(operation_id = "run_events", get, path = "/api/v1/symphony/runs/{uuid}/events", tag = "runs", params(("uuid" = String, Path)), responses((status = 200, description = "`text/event-stream`: `run` events, each a run view (as `GET .../runs/{uuid}`)", content_type = "text/event-stream", body = String), crate::error::Refused))]
pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(uuid): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let share = state.shares.run_streams.take(&caller.key)?;
    let permit = state.run_streams.0.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{MAX_RUN_STREAMS} run streams are open, the most at once"),
        )
    })?;
    let record = state.services.store.get_run(&uuid).await?.ok_or_else(|| ApiError::not_found("run", &uuid))?;
    let seen = (record.status.to_string(), record.journal_len);
    let first = detailed(&state, &caller, &uuid).await?;
    let watch =
        Watch { state, caller, uuid, next: Some(first), seen, started: Instant::now(), _permit: permit, _share: share };
    Ok(Sse::new(futures::stream::unfold(watch, next_event)).keep_alive(KeepAlive::default()))
}

async fn next_event(mut watch: Watch) -> Option<(Result<Event, Infallible>, Watch)> {
    loop {
        if let Some(view) = watch.next.take() {
            let event =
                Event::default().event("run").json_data(&view).unwrap_or_else(|_| Event::default().comment("?"));
            return Some((Ok(event), watch));
        }
        if is_final(&watch.seen.0) || watch.started.elapsed() > STREAM_FOR {
            return None;
        }
        tokio::time::sleep(LOOK_EVERY).await;
        let record = watch.state.services.store.get_run(&watch.uuid).await.ok().flatten()?;
        let mark: Mark = (record.status.to_string(), record.journal_len);
        if mark != watch.seen {
            watch.seen = mark;
            watch.next = detailed(&watch.state, &watch.caller, &watch.uuid).await.ok();
        }
    }
}

fn is_final(status: &str) -> bool {
    matches!(status, "succeeded" | "failed" | "cancelled")
}
