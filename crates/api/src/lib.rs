//! Riposte's HTTP API. URLs follow Sekoia's (`/api/v1/sic/alerts`, `/api/v1/symphony/...`);
//! every failure answers with one envelope, `{"errors": [{"detail", "path"?, "hint"?}]}`.

mod alerts;
mod api_keys;
mod assets;
pub mod auth;
mod body;
mod configurations;
mod error;
mod guesses;
mod intake_key;
mod intakes;
mod json;
pub mod keys;
mod module_imports;
mod modules;
mod playbook_access;
mod playbook_schema;
mod playbooks;
mod run_events;
mod run_view;
mod runs;
mod serve;
mod sessions;
mod slots;
mod state;
mod templates;
mod test_runs;
mod uri;

use axum::Extension;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use riposte_model::Permission;
use std::sync::Arc;

use axum::routing::get;
use riposte_store::Page;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use body::{Bodies, BodyLimits, MAX_BODY_BYTES};
pub use error::{ApiError, ApiResult};
pub use guesses::Guesses;
pub use serve::{ConnectionLimits, serve};
pub use state::{AppState, Metrics, Shared};

/// Largest page a list returns.
pub const MAX_PAGE: u64 = 1000;
/// Largest offset: what the databases can count to.
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// The API's description, to which the handlers add their paths.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Riposte API", description = "Alerts, playbooks and runs, shaped like Sekoia.io's API. Every route wants `Authorization: Bearer <key>`."),
    modifiers(&BearerAuth),
    components(schemas(runs::RunStatusName)),
    security(("bearer" = []), ("session" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // The intake key may also come in the body or the query, which OpenAPI cannot name
        // as security: the intake routes say theirs is optional at the HTTP level.
        components.add_security_scheme(
            "intake key",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "X-SEKOIAIO-INTAKE-KEY",
                    "The intake's key; or Basic authentication's password, `?intake_key=`, or `intake_key` in the body",
                ),
            )),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    sessions::COOKIE_NAME,
                    "A console session (`POST /api/v1/auth/login`); a request that changes something also carries `X-Requested-With`",
                ),
            )),
        );
        components.add_security_scheme(
            "intake bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The intake's key, as its asset connector sends it"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "call token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token a module process was started with"))
                    .build(),
            ),
        );
    }
}

/// `routes` behind `permission`, which each of their operations names in the description
/// (`x-permission`): what a client, and the authorisation tests, read.
fn behind(mut routes: OpenApiRouter<AppState>, permission: Permission) -> OpenApiRouter<AppState> {
    for item in routes.get_openapi_mut().paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
        ];
        for operation in operations.into_iter().flatten() {
            let extension = [("x-permission", serde_json::json!(permission.to_string()))];
            operation.extensions.get_or_insert_default().merge(extension.into_iter().collect());
        }
    }
    routes.route_layer(from_fn_with_state(permission, auth::authorise))
}

/// The routes, each behind the permission it needs, and the OpenAPI description they make.
/// Their layers find the state in the request's extensions, so that the description is made
/// without a server.
fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let read_alerts = behind(
        OpenApiRouter::new()
            .routes(routes!(alerts::list))
            .routes(routes!(alerts::get))
            .routes(routes!(alerts::comments)),
        Permission::ReadAlerts,
    );
    let write_alerts = behind(
        OpenApiRouter::new()
            .routes(routes!(alerts::create))
            .routes(routes!(alerts::update))
            .routes(routes!(alerts::comment)),
        Permission::WriteAlerts,
    );
    let symphony = behind(
        OpenApiRouter::new()
            .routes(routes!(playbooks::list, playbooks::create))
            .routes(routes!(playbooks::get, playbooks::update, playbooks::delete))
            .routes(routes!(playbooks::versions))
            .routes(routes!(playbooks::version))
            .routes(routes!(playbooks::validate_draft))
            .routes(routes!(test_runs::test))
            .routes(routes!(templates::render))
            .routes(routes!(playbooks::activate))
            .routes(routes!(playbooks::deactivate))
            .routes(routes!(playbooks::run))
            .routes(routes!(configurations::list, configurations::create))
            .routes(routes!(configurations::get, configurations::update, configurations::delete))
            .routes(routes!(runs::list))
            .routes(routes!(runs::counts))
            .routes(routes!(run_events::events))
            .routes(routes!(runs::get))
            .routes(routes!(runs::cancel))
            .routes(routes!(runs::rerun))
            .routes(routes!(run_view::output))
            .routes(routes!(run_view::node))
            .routes(routes!(modules::list))
            .routes(routes!(modules::logo)),
        Permission::Symphony,
    );
    let read_intakes = behind(
        OpenApiRouter::new()
            .routes(routes!(intakes::list))
            .routes(routes!(intakes::get))
            .routes(routes!(intakes::events))
            .routes(routes!(assets::list)),
        Permission::ReadIntakes,
    );
    let write_intakes = behind(
        OpenApiRouter::new().routes(routes!(intakes::create)).routes(routes!(intakes::delete)),
        Permission::WriteIntakes,
    );
    // Authenticated by the intake key, before the body is read; a connector's chunks are
    // larger than API requests.
    let intake_http = OpenApiRouter::new()
        .routes(routes!(intakes::push_one))
        .routes(routes!(intakes::push_batch))
        .routes(routes!(assets::push));
    // Authenticated by each call's own token, before the body is read.
    let module_calls = OpenApiRouter::new()
        .routes(routes!(modules::callback, modules::trigger_event))
        .routes(routes!(modules::logs))
        .routes(routes!(modules::secrets))
        .route_layer(axum::middleware::from_fn(modules::authorise_call));
    // Sessions take an API key or a session cookie themselves.
    let sessions = OpenApiRouter::new()
        .routes(routes!(sessions::login))
        .routes(routes!(sessions::logout))
        .routes(routes!(sessions::current));
    let imports = behind(
        OpenApiRouter::new()
            .routes(routes!(module_imports::create, module_imports::list))
            .routes(routes!(module_imports::get)),
        Permission::InstallModules,
    );
    let keys = behind(
        OpenApiRouter::new().routes(routes!(api_keys::list, api_keys::create)).routes(routes!(api_keys::delete)),
        Permission::ApiKeys,
    );
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(keys)
        .merge(sessions)
        .merge(imports)
        .merge(read_alerts)
        .merge(write_alerts)
        .merge(symphony)
        .merge(read_intakes)
        .merge(write_intakes)
        .merge(intake_http)
        .merge(module_calls)
        .split_for_parts()
}

/// The OpenAPI description of the API, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

pub fn router(state: AppState) -> Router {
    let (api, description) = routes();
    let description = Arc::new(description);
    api.route("/api/openapi.json", get(move || async move { axum::Json(description.as_ref().clone()) }))
        .route("/health", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/metrics", get(metrics))
        .merge(riposte_console::routes())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this endpoint")
        })
        .layer(axum::middleware::from_fn(uri::check))
        .layer(compression())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // For the layers of `routes`, which are made without it.
        .layer(Extension(state.clone()))
        .with_state(state)
}

/// Answers of 1 KiB or more compressed with brotli or gzip for clients that take them (the
/// console's JSON lists and run views shrink tenfold), at a quality that costs little per request;
/// the console's assets come compressed already, event streams go out as they come.
fn compression() -> CompressionLayer<impl tower_http::compression::Predicate> {
    let worth_it =
        SizeAbove::new(1024).and(NotForContentType::GRPC).and(NotForContentType::IMAGES).and(NotForContentType::SSE);
    CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(4)).compress_when(worth_it)
}

/// Prometheus text format: run counters, action durations, runs waiting.
async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> ApiResult<String> {
    let pending = state
        .services
        .store
        .list_runs(
            &riposte_store::RunFilter { status: Some(riposte_model::RunStatus::Pending), ..Default::default() },
            Page::new(0, 1),
        )
        .await?;
    state.metrics.runs_pending.set(pending.total as i64);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &state.metrics.registry)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(text)
}

/// Where a page of a list starts and how long it is.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[serde(default)]
    #[param(maximum = 9223372036854775807_u64)]
    pub offset: Option<u64>,
    #[serde(default)]
    /// 1 to 1000; 100 when absent. A page also stops at 8 MiB.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

fn query<T>(params: Result<T, QueryRejection>) -> ApiResult<T> {
    params.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid query string: {}", e.body_text())))
}

/// A page of at most `limit` items (100 by default) and [`riposte_store::DEFAULT_PAGE_BYTES`]:
/// fewer items than asked for while `offset + items < total` means the page reached its size,
/// and the next one starts at `offset + items`.
fn page(offset: Option<u64>, limit: Option<u64>) -> ApiResult<Page> {
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::at(StatusCode::BAD_REQUEST, "limit", format!("limit must be between 1 and {MAX_PAGE}")));
    }
    let offset = offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::at(StatusCode::BAD_REQUEST, "offset", format!("offset must be at most {MAX_OFFSET}")));
    }
    Ok(Page::new(offset, limit))
}
