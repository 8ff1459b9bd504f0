//! Riposte's web console, served under `/ui/` from the build of `console/` embedded in the
//! binary: no Node and nothing from a CDN at run time. Hashed assets are cached for good; any
//! other path under `/ui/` is the page itself (`index.html`), which routes in the browser. The
//! build holds each text asset also compressed (`.br`, `.gz`): a browser that takes brotli or
//! gzip gets those bytes, compressed once at their best rather than per request.

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, VARY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
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
        .route("/ui/", get(|headers: HeaderMap| async move { page(&headers) }))
        .route("/ui/{*path}", get(|Path(path): Path<String>, headers: HeaderMap| async move { file(&path, &headers) }))
}

/// An asset by its path under `/ui/`, or the page for any path that is no asset.
fn file(path: &str, headers: &HeaderMap) -> Response {
    let hashed = path.starts_with("assets/");
    let cache = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    match Built::get(path) {
        Some(asset) if !is_compressed_copy(path) => respond(path, asset, cache, headers),
        // A missing file of the build is an error; any other path is a page of the console.
        _ if hashed => (StatusCode::NOT_FOUND, "no such asset").into_response(),
        _ => page(headers),
    }
}

fn page(headers: &HeaderMap) -> Response {
    match Built::get("index.html") {
        Some(index) => respond("index.html", index, "no-cache", headers),
        None => (StatusCode::INTERNAL_SERVER_ERROR, "this build holds no console").into_response(),
    }
}

/// The compressed copies are served in place of their file, never by their own name.
fn is_compressed_copy(path: &str) -> bool {
    path.ends_with(".br") || path.ends_with(".gz")
}

/// `asset` (the file at `path`), as the compressed copy the client takes best when there is one.
fn respond(path: &str, asset: rust_embed::EmbeddedFile, cache: &'static str, headers: &HeaderMap) -> Response {
    let content_type = asset.metadata.mimetype().to_string();
    let content_type = if content_type == "text/html" { "text/html; charset=utf-8".to_string() } else { content_type };
    let compressed = accepted_encodings(headers)
        .into_iter()
        .find_map(|(encoding, suffix)| Some((encoding, Built::get(&format!("{path}{suffix}"))?)));
    let (encoding, body) = match compressed {
        Some((encoding, copy)) => (Some(encoding), copy.data.into_owned()),
        None => (None, asset.data.into_owned()),
    };
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    if let Some(encoding) = encoding {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// The encodings of the build's copies the client takes (`Accept-Encoding`, a `q` of 0 refusing
/// one), best first: brotli, then gzip.
fn accepted_encodings(headers: &HeaderMap) -> Vec<(&'static str, &'static str)> {
    let accepted: Vec<(String, bool)> = headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
            });
            (name, !refused)
        })
        .collect();
    let takes = |name: &str| accepted.iter().any(|(n, ok)| *ok && (n == name || n == "*"));
    [("br", ".br"), ("gzip", ".gz")].into_iter().filter(|(name, _)| takes(name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_is_embedded_with_its_page_and_hashed_assets() {
        let text = |path: &str| String::from_utf8_lossy(&Built::get(path).expect("embedded").data).to_string();
        let index = text("index.html");
        let assets: Vec<String> = Built::iter()
            .filter(|p| p.starts_with("assets/") && !is_compressed_copy(p))
            .map(|p| p.to_string())
            .collect();
        assert!(assets.iter().any(|a| a.ends_with(".js") && index.contains(&format!("/ui/{a}"))), "{assets:?}");
        // Each asset is loaded by the page or by a chunk (the editor's chunks load when needed).
        let loaders: Vec<String> =
            std::iter::once(index).chain(assets.iter().filter(|a| a.ends_with(".js")).map(|a| text(a))).collect();
        for asset in &assets {
            let name = asset.trim_start_matches("assets/");
            assert!(loaders.iter().any(|l| l.contains(name)), "nothing loads {asset}");
        }
    }

    async fn served(path: &str, accept: Option<&str>) -> (Option<String>, Vec<u8>) {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        }
        let response = file(path, &headers);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[VARY], "accept-encoding");
        let encoding = response.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_string());
        (encoding, axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec())
    }

    #[tokio::test]
    async fn assets_go_out_compressed_as_the_client_takes_them() {
        let script = Built::iter().find(|p| p.starts_with("assets/react-") && p.ends_with(".js")).unwrap().to_string();
        let original = Built::get(&script).unwrap().data.to_vec();
        let (encoding, brotli) = served(&script, Some("gzip, deflate, br, zstd")).await;
        assert_eq!(encoding.as_deref(), Some("br"));
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut brotli::Decompressor::new(&brotli[..], 4096), &mut unpacked).unwrap();
        assert_eq!(unpacked, original, "the same file");
        assert!(brotli.len() * 3 < original.len(), "{} bytes of {}", brotli.len(), original.len());

        let (encoding, gzip) = served(&script, Some("gzip;q=1.0, br;q=0")).await;
        assert_eq!(encoding.as_deref(), Some("gzip"));
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut unpacked).unwrap();
        assert_eq!(unpacked, original);

        for accept in [None, Some("identity"), Some("br;q=0, gzip;q=0")] {
            assert_eq!(served(&script, accept).await, (None, original.clone()), "{accept:?}");
        }
        let copy = format!("/{script}.br");
        assert_eq!(file(&copy[1..], &HeaderMap::new()).status(), StatusCode::NOT_FOUND, "no copy by its own name");
    }
}
