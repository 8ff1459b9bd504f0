//! The web console, embedded in the binary and served under /ui/.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use reqwest::StatusCode;
use riposte_testkit::TestApp;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_under_ui() {
    let server = TestApp::start().await;
    let http = no_redirects();
    let root = http.get(format!("{}/", server.base)).send().await.unwrap();
    assert!(root.status().is_redirection(), "{}", root.status());
    assert_eq!(root.headers()["location"], "/ui/");

    for page in ["/ui/", "/ui/playbooks/some-uuid/runs"] {
        let response = http.get(format!("{}{page}", server.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8", "{page}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{page}");
        assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
        let html = response.text().await.unwrap();
        assert!(html.contains("<div id=\"root\">"), "{html}");
    }

    let html = http.get(format!("{}/ui/", server.base)).send().await.unwrap().text().await.unwrap();
    let script = html.split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(script.starts_with("/ui/assets/") && script.ends_with(".js"), "{script}");
    let asset = http.get(format!("{}{script}", server.base)).send().await.unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(asset.headers()["content-type"], "text/javascript");
    assert_eq!(asset.headers()["cache-control"], "public, max-age=31536000, immutable");
    let missing = http.get(format!("{}/ui/assets/missing-0000.js", server.base)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "a missing asset is not the page");
    let api = http.get(format!("{}/api/v1/nothing-here", server.base)).send().await.unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND, "the API keeps its own answers");
}

/// What crosses the wire: the console's assets in the brotli or gzip copy the build holds, and
/// the API's JSON answers compressed for clients that take it; event streams and small answers
/// as they are.
#[tokio::test]
async fn assets_and_answers_go_out_compressed_for_clients_that_take_it() {
    let server = TestApp::start().await;
    let http = no_redirects();
    let html = http.get(format!("{}/ui/", server.base)).send().await.unwrap().text().await.unwrap();
    let script = html.split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let get = |path: String, accept: &'static str| {
        http.get(format!("{}{path}", server.base)).header("accept-encoding", accept)
    };
    let plain = get(script.clone(), "identity").send().await.unwrap().bytes().await.unwrap();
    let brotli = get(script.clone(), "gzip, deflate, br, zstd").send().await.unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert_eq!(brotli.headers()["vary"], "accept-encoding");
    let brotli = brotli.bytes().await.unwrap();
    assert!(brotli.len() * 3 < plain.len(), "{} bytes on the wire for {}", brotli.len(), plain.len());

    for n in 0..40 {
        let alert = serde_json::json!({"title": format!("Alert {n}"), "rule": {"name": "Suspicious login"}});
        assert_eq!(server.post("/api/v1/sic/alerts", alert).await.0, StatusCode::CREATED);
    }
    let list = |accept: &'static str| {
        http.get(format!("{}/api/v1/sic/alerts?limit=40", server.base))
            .bearer_auth(&server.key)
            .header("accept-encoding", accept)
            .send()
    };
    let plain = list("identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    for (accept, encoding) in [("br, gzip", "br"), ("gzip", "gzip")] {
        let compressed = list(accept).await.unwrap();
        assert_eq!(compressed.headers()["content-encoding"], encoding, "{accept}");
        let size = compressed.bytes().await.unwrap().len();
        assert!(size * 4 < plain.len(), "{accept}: {size} bytes on the wire for {}", plain.len());
    }
    let health = http.get(format!("{}/health", server.base)).header("accept-encoding", "br").send().await.unwrap();
    assert!(health.headers().get("content-encoding").is_none(), "a small answer goes as it is");
}
