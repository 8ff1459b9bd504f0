//! `/api/v1/modules/imports`: modules imported into the running server from a git repository
//! (or a folder on the server), as `riposte module install` does. An import runs in the
//! background; its job says when it ended and what it installed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use riposte_services::{ImportJob, ImportRequest};
use riposte_store::Paged;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::state::AppState;

/// Longest source, reference or folder taken.
const MAX_FIELD_CHARS: usize = 2048;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewImport {
    /// A git URL (`https://`, `ssh://`, `git@host:path`, `file://`), or an absolute path on the
    /// server to a repository or a module folder.
    #[schema(min_length = 1, max_length = 2048)]
    pub source: String,
    /// A tag, branch or commit.
    #[serde(default, rename = "ref")]
    #[schema(max_length = 2048)]
    pub reference: Option<String>,
    /// The repository folder to install from (one module or a folder of modules); every module
    /// of the repository when absent.
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub subdir: Option<String>,
    /// Install a module with a built-in module's UUID in place of the built-in one; without
    /// it, such a module is refused.
    #[serde(default)]
    pub replace_builtin: bool,
}

/// A URL, a `host:path` git address, or an absolute path: a relative path would depend on where
/// the server was started.
fn names_a_place(source: &str) -> bool {
    let scp_like = source.split_once(':').is_some_and(|(host, _)| !host.is_empty() && !host.contains('/'));
    source.contains("://") || scp_like || std::path::Path::new(source).is_absolute()
}

/// Checks each field: given, not too long, not read as an option by git.
fn request(input: NewImport) -> ApiResult<ImportRequest> {
    let fields =
        [("$.source", Some(&input.source)), ("$.ref", input.reference.as_ref()), ("$.subdir", input.subdir.as_ref())];
    for (path, value) in fields {
        let Some(value) = value else { continue };
        let problem = if value.trim().is_empty() {
            Some("must not be empty".to_string())
        } else if value.chars().count() > MAX_FIELD_CHARS {
            Some(format!("longer than {MAX_FIELD_CHARS} characters"))
        } else if value.starts_with('-') {
            Some("must not start with `-`".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, path, problem));
        }
    }
    if !names_a_place(&input.source) {
        return Err(ApiError::at(
            StatusCode::UNPROCESSABLE_ENTITY,
            "$.source",
            "give a git URL (`https://...`, `ssh://...`, `git@host:path`, `file://...`) or an absolute path on the server",
        ));
    }
    Ok(ImportRequest {
        source: input.source,
        reference: input.reference,
        subdir: input.subdir,
        replace_builtin: input.replace_builtin,
    })
}

/// Starts importing modules; read the job until its `status` is `succeeded` or `failed`. One
/// import runs at a time.
#[utoipa::path(post, path = "/api/v1/modules/imports", tag = "modules", request_body = NewImport, responses((status = 202, body = Object, description = "The job: `uuid`, `status` (`running`)..."), crate::error::Refused))]
pub async fn create(
    State(state): State<AppState>,
    Body(input): Body<NewImport>,
) -> ApiResult<(StatusCode, Json<ImportJob>)> {
    let job = state.services.import_modules(request(input)?)?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// The imports since the server started (the latest 100), newest first.
#[utoipa::path(get, path = "/api/v1/modules/imports", tag = "modules", responses((status = 200, body = Object), crate::error::Refused))]
pub async fn list(State(state): State<AppState>) -> Json<Paged<ImportJob>> {
    let items = state.services.module_imports();
    Json(Paged { total: items.len() as u64, items })
}

/// One import: `status` (`running`, `succeeded`, `failed`), the `modules` it installed (with
/// the commit each came from), or its `error`.
#[utoipa::path(get, path = "/api/v1/modules/imports/{uuid}", tag = "modules", params(("uuid" = String, Path)), responses((status = 200, body = Object), crate::error::Refused))]
pub async fn get(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<Json<ImportJob>> {
    state.services.module_import(&uuid).map(Json).ok_or_else(|| ApiError::not_found("module import", &uuid))
}
