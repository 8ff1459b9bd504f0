//! Riposte's web console, served under `/ui/` from the build of `console/` embedded in the
//! binary: no Node and nothing from a CDN at run time. Hashed assets are cached for good; any
//! other path under `/ui/` is the page itself (`index.html`), which routes in the browser.

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

#[derive(rust_embed::RustEmbed)]
#[folder = "dist/"]
struct Built;

/// Where the console is served.
pub const PREFIX: &str = "/ui/";

/// Scripts, styles and calls from this server only; no framing by other sites.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                      object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/// `/` leads to the console; `/ui/...` serves it.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Redirect::to(PREFIX) }))
        .route("/ui", get(|| async { Redirect::to(PREFIX) }))
        .route("/ui/", get(|| async { page() }))
        .route("/ui/{*path}", get(|Path(path): Path<String>| async move { file(&path) }))
}

/// An asset by its path under `/ui/`, or the page for any path that is no asset.
fn file(path: &str) -> Response {
    match Built::get(path) {
        Some(asset) => {
            let hashed = path.starts_with("assets/");
            let cache = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
            respond(asset.metadata.mimetype(), cache, asset.data.into_owned())
        }
        // A missing file of the build is an error; any other path is a page of the console.
        None if path.starts_with("assets/") => (StatusCode::NOT_FOUND, "no such asset").into_response(),
        None => page(),
    }
}

fn page() -> Response {
    match Built::get("index.html") {
        Some(index) => respond("text/html; charset=utf-8", "no-cache", index.data.into_owned()),
        None => (StatusCode::INTERNAL_SERVER_ERROR, "this build holds no console").into_response(),
    }
}

fn respond(content_type: &str, cache: &'static str, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_is_embedded_with_its_page_and_hashed_assets() {
        let text = |path: &str| String::from_utf8_lossy(&Built::get(path).expect("embedded").data).to_string();
        let index = text("index.html");
        let assets: Vec<String> = Built::iter().filter(|p| p.starts_with("assets/")).map(|p| p.to_string()).collect();
        assert!(assets.iter().any(|a| a.ends_with(".js") && index.contains(&format!("/ui/{a}"))), "{assets:?}");
        // Each asset is loaded by the page or by a chunk (the editor's chunks load when needed).
        let loaders: Vec<String> =
            std::iter::once(index).chain(assets.iter().filter(|a| a.ends_with(".js")).map(|a| text(a))).collect();
        for asset in &assets {
            let name = asset.trim_start_matches("assets/");
            assert!(loaders.iter().any(|l| l.contains(name)), "nothing loads {asset}");
        }
    }
}
