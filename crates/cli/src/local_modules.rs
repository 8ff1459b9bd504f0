//! Installed modules for the commands that work without a server (`playbook validate`,
//! `playbook run`): their manifests from `DATA_DIR/modules`, and for a run, a host whose module
//! processes report to callbacks this process serves on 127.0.0.1 while the run goes on.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use riposte_api::ApiError;
use riposte_host::{CallbackError, Callbacks, Host, load_modules};
use riposte_modules::HttpClients;
use riposte_worker::Registry;
use serde_json::Value;

use crate::installed::modules_dir;

/// The built-in modules, and those installed in `data_dir` when one is given. Modules that do
/// not load are said on stderr; installed actions run through `host`.
pub fn registry(data_dir: Option<&Path>, host: Option<Arc<Host>>) -> anyhow::Result<Registry> {
    let clients = HttpClients::new().context("cannot set up the HTTP client")?;
    let mut registry = Registry::new(riposte_modules::builtin_modules(&clients, None));
    if let Some(host) = host {
        registry = registry.with_host(host);
    }
    if let Some(dir) = data_dir {
        let modules = modules_dir(dir);
        anyhow::ensure!(dir.is_dir(), "no data directory {}", dir.display());
        let (installed, problems) = load_modules(&modules);
        for problem in problems.iter().map(ToString::to_string).chain(registry.set_installed(installed)) {
            eprintln!("warning: installed module not used: {problem}");
        }
    }
    Ok(registry)
}

/// A host for installed actions, with its callbacks served on a free local port until the
/// process ends; module data goes under `data_root`.
pub async fn host(data_root: &Path) -> anyhow::Result<Arc<Host>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("cannot listen on 127.0.0.1")?;
    let base = format!("http://{}", listener.local_addr()?);
    let callbacks = Arc::new(Callbacks::default());
    let app = Router::new()
        .route("/api/v1/module-calls/{id}/callback", patch(callback))
        .route("/api/v1/module-calls/{id}/logs", post(logs))
        .route("/api/v1/module-calls/{id}/secrets", get(secrets))
        .with_state(callbacks.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Arc::new(Host::new(callbacks, base).with_data_root(data_root)))
}

async fn callback(
    State(callbacks): State<Arc<Callbacks>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    answer(callbacks.action_callback(&id, token(&headers), body.0).map(axum::Json))
}

async fn logs(
    State(callbacks): State<Arc<Callbacks>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: axum::Json<Value>,
) -> Response {
    answer(callbacks.logs(&id, token(&headers), body.0).map(|()| axum::Json(serde_json::json!({}))))
}

async fn secrets(
    State(callbacks): State<Arc<Callbacks>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    answer(callbacks.secrets(&id, token(&headers)).map(axum::Json))
}

fn token(headers: &HeaderMap) -> &str {
    riposte_api::auth::bearer(headers).unwrap_or_default()
}

fn answer(result: Result<axum::Json<Value>, CallbackError>) -> Response {
    result.map_err(ApiError::from).into_response()
}
