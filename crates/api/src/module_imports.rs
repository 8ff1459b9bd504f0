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
    /// A git URL (`https://`, `ssh://`, `file://`), a `host:path` git address
    /// (`git@github.com:org/repo`), or an absolute path on the server to a repository or a
    /// module folder.
    #[schema(max_length = 2048, pattern = r"^(/|[A-Za-z][A-Za-z0-9+.-]*://|[A-Za-z0-9_.][^/:]*:)")]
    pub source: String,
    /// A tag, branch or commit.
    #[serde(default, rename = "ref")]
    #[schema(max_length = 2048, pattern = r"^[^\s-]")]
    pub reference: Option<String>,
    /// The repository folder to install from (one module or a folder of modules); every module
    /// of the repository when absent.
    #[serde(default)]
    #[schema(max_length = 2048, pattern = r"^[^\s-]")]
    pub subdir: Option<String>,
    /// Install a module with a built-in module's UUID in place of the built-in one; without
    /// it, such a module is refused.
    #[serde(default)]
    pub replace_builtin: bool,
}

/// Checks each field as the description says: not too long, starting with neither a space nor
/// `-` (which git would read as an option), and a source that names a place.
fn request(input: NewImport) -> ApiResult<ImportRequest> {
    let fields = [("$.ref", input.reference.as_ref()), ("$.subdir", input.subdir.as_ref())];
    for (path, value) in fields.into_iter().filter_map(|(path, value)| Some((path, value?))) {
        if !starts_well(value) {
            return Err(refused(path, "must start with neither a space nor `-`"));
        }
    }
    let fields =
        [("$.source", Some(&input.source)), ("$.ref", input.reference.as_ref()), ("$.subdir", input.subdir.as_ref())];
    for (path, value) in fields.into_iter().filter_map(|(path, value)| Some((path, value?))) {
        if value.chars().count() > MAX_FIELD_CHARS {
            return Err(refused(path, &format!("longer than {MAX_FIELD_CHARS} characters")));
        }
    }
    if !names_a_place(&input.source) {
        return Err(refused(
            "$.source",
            "give a git URL (`https://...`, `ssh://...`, `file://...`), a `host:path` git address or an absolute path on \
             the server",
        ));
    }
    Ok(ImportRequest {
        source: input.source,
        reference: input.reference,
        subdir: input.subdir,
        replace_builtin: input.replace_builtin,
    })
}

fn refused(path: &str, detail: &str) -> ApiError {
    ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, path, detail)
}

fn starts_well(value: &str) -> bool {
    value.chars().next().is_some_and(|c| c != '-' && !c.is_whitespace() && c != '\u{feff}')
}

/// An absolute path, a `scheme://` URL or a `host:path` address, as the field's pattern says: a
/// relative path would depend on where the server was started.
fn names_a_place(source: &str) -> bool {
    let scheme = |s: &str| {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    };
    let host = |h: &str| {
        h.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.')) && !h.contains('/')
    };
    source.starts_with('/')
        || source.split_once("://").is_some_and(|(s, _)| scheme(s))
        || source.split_once(':').is_some_and(|(h, _)| host(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_names_a_place_as_its_pattern_says() {
        for good in ["/srv/modules", "https://github.com/o/r", "file:///tmp/r", "git@github.com:o/r", "host:repo"] {
            assert!(names_a_place(good), "{good}");
        }
        for bad in ["0", "library", "./library", "-x:y", "a/b://c", ":x", ""] {
            assert!(!names_a_place(bad), "{bad}");
        }
        assert!(!starts_well("") && !starts_well(" v1") && !starts_well("--orphan") && starts_well("v1"));
    }
}

/// Starts importing modules; read the job until its `status` is `succeeded` or `failed`. One
/// import runs at a time.
#[utoipa::path(operation_id = "create_module_import", post, path = "/api/v1/modules/imports", tag = "modules", request_body = NewImport, responses((status = 202, body = Object, description = "The job: `uuid`, `status` (`running`)..."), crate::error::Refused))]
pub async fn create(
    State(state): State<AppState>,
    Body(input): Body<NewImport>,
) -> ApiResult<(StatusCode, Json<ImportJob>)> {
    let job = state.services.import_modules(request(input)?)?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// The imports since the server started (the latest 100), newest first.
#[utoipa::path(operation_id = "list_module_imports", get, path = "/api/v1/modules/imports", tag = "modules", responses((status = 200, body = Object), crate::error::Refused))]
pub async fn list(State(state): State<AppState>) -> Json<Paged<ImportJob>> {
    let items = state.services.module_imports();
    Json(Paged { total: items.len() as u64, items })
}

/// One import: `status` (`running`, `succeeded`, `failed`), the `modules` it installed (with
/// the commit each came from), or its `error`.
#[utoipa::path(operation_id = "get_module_import", get, path = "/api/v1/modules/imports/{uuid}", tag = "modules", params(("uuid" = String, Path)), responses((status = 200, body = Object), crate::error::Refused))]
pub async fn get(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<Json<ImportJob>> {
    state.services.module_import(&uuid).map(Json).ok_or_else(|| ApiError::not_found("module import", &uuid))
}
