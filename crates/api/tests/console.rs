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
