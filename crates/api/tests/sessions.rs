//! Console sessions: an API key exchanged for an HttpOnly, SameSite=Strict cookie that every
//! route takes as it takes the key, with the key's permissions, safe from cross-site requests,
//! and ended by logout or by the key's revocation.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use reqwest::{Method, StatusCode};
use riposte_testkit::TestApp;
use serde_json::{Value, json};

/// A browser's view of the server: a session cookie, no key.
struct Browser {
    base: String,
    cookie: String,
    http: reqwest::Client,
}

impl Browser {
    async fn log_in(server: &TestApp, key: &str) -> (Browser, reqwest::header::HeaderMap, Value) {
        let http = reqwest::Client::new();
        let response = http
            .post(format!("{}/api/v1/auth/login", server.base))
            .json(&json!({"api_key": key}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        let set_cookie = headers["set-cookie"].to_str().unwrap().to_string();
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let body = response.json().await.unwrap();
        (Browser { base: server.base.clone(), cookie, http }, headers, body)
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).header("cookie", &self.cookie);
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> StatusCode {
        self.call(Method::GET, path, None, &[]).await.0
    }
}

const FROM_THE_CONSOLE: &[(&str, &str)] = &[("x-requested-with", "riposte")];

#[tokio::test]
async fn a_session_cookie_stands_for_its_key_on_every_route() {
    let server = TestApp::start().await;
    let (browser, headers, session) = Browser::log_in(&server, &server.key).await;
    let set_cookie = headers["set-cookie"].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(
        !set_cookie.contains(&server.key) && !session.to_string().contains(&server.key),
        "the key is not handed back"
    );
    assert!(session["permissions"].as_array().unwrap().contains(&json!("SYMPHONY")), "{session}");

    assert_eq!(browser.get("/api/v1/symphony/playbooks").await, StatusCode::OK);
    assert_eq!(browser.get("/api/v1/auth/session").await, StatusCode::OK);
    let alert = json!({"title": "from the console", "rule": {"name": "r"}});
    let (status, refused) = browser.call(Method::POST, "/api/v1/sic/alerts", Some(alert.clone()), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a change without X-Requested-With: {refused}");
    let elsewhere = [("x-requested-with", "riposte"), ("origin", "https://evil.example")];
    assert_eq!(
        browser.call(Method::POST, "/api/v1/sic/alerts", Some(alert.clone()), &elsewhere).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, created) = browser.call(Method::POST, "/api/v1/sic/alerts", Some(alert), FROM_THE_CONSOLE).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let (status, _) = browser.call(Method::POST, "/api/v1/auth/logout", None, FROM_THE_CONSOLE).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(browser.get("/api/v1/symphony/playbooks").await, StatusCode::UNAUTHORIZED, "logged out");
    let (status, _) = browser.call(Method::POST, "/api/v1/auth/logout", None, FROM_THE_CONSOLE).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "logging out of an ended session clears the cookie again");
    let no_cookie = reqwest::Client::new().post(format!("{}/api/v1/auth/logout", server.base)).send().await.unwrap();
    assert_eq!(no_cookie.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/api/v1/symphony/playbooks").await.0, StatusCode::OK, "the key itself still works");
}

#[tokio::test]
async fn a_session_holds_what_its_key_holds_and_ends_with_it() {
    let server = TestApp::start().await;
    let (_, key) =
        server.post("/api/v1/api-keys", json!({"name": "analyst", "permissions": ["SIC_READ_ALERTS"]})).await;
    let (browser, _, session) = Browser::log_in(&server, key["key"].as_str().unwrap()).await;
    assert_eq!(session["permissions"], json!(["SIC_READ_ALERTS"]));
    assert_eq!(browser.get("/api/v1/sic/alerts").await, StatusCode::OK);
    assert_eq!(browser.get("/api/v1/symphony/playbooks").await, StatusCode::FORBIDDEN, "no more than the key");

    let (status, _) =
        server.call(Method::DELETE, &format!("/api/v1/api-keys/{}", key["uuid"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(browser.get("/api/v1/sic/alerts").await, StatusCode::UNAUTHORIZED, "a revoked key ends its sessions");
    assert_eq!(browser.get("/api/v1/auth/session").await, StatusCode::UNAUTHORIZED);

    let http = reqwest::Client::new();
    let wrong = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"api_key": "rp_nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none());
    let forged = Browser { base: server.base.clone(), cookie: "riposte_session=rp_forged".into(), http };
    assert_eq!(forged.get("/api/v1/sic/alerts").await, StatusCode::UNAUTHORIZED);
}

/// A client whose connections come from `address` (any of 127.0.0.0/8 reaches the server).
fn client_from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder().local_address(std::net::IpAddr::from(address)).build().unwrap()
}

async fn log_in_from(server: &TestApp, client: &reqwest::Client, key: &str) -> reqwest::Response {
    client.post(format!("{}/api/v1/auth/login", server.base)).json(&json!({"api_key": key})).send().await.unwrap()
}

#[tokio::test]
async fn failed_logins_are_limited_per_address_without_refusing_others() {
    let server = TestApp::start().await;
    let guesser = client_from([127, 0, 0, 2]);
    for n in 0..10 {
        let answer = log_in_from(&server, &guesser, &format!("rp_guess{n}")).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "guess {n}");
    }
    let refused = log_in_from(&server, &guesser, "rp_guess10").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=6).contains(&wait), "Retry-After: {wait}");
    let body: Value = refused.json().await.unwrap();
    let detail = body["errors"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("too many unknown API keys from this address"), "{detail}");
    let bearer =
        guesser.get(format!("{}/api/v1/sic/alerts", server.base)).bearer_auth("rp_another_guess").send().await.unwrap();
    assert_eq!(bearer.status(), StatusCode::TOO_MANY_REQUESTS, "bearer keys are the same guesses");

    let elsewhere = client_from([127, 0, 0, 3]);
    assert_eq!(log_in_from(&server, &elsewhere, &server.key).await.status(), StatusCode::OK, "another address");
    assert_eq!(log_in_from(&server, &elsewhere, "rp_typo").await.status(), StatusCode::UNAUTHORIZED);
    for _ in 0..20 {
        let answer = log_in_from(&server, &elsewhere, &server.key).await;
        assert_eq!(answer.status(), StatusCode::OK, "a right key costs nothing");
    }
}

#[tokio::test]
async fn failed_logins_from_all_addresses_together_are_limited_but_a_right_key_from_elsewhere_logs_in() {
    let server = TestApp::start().await;
    let mut overall_refusals = 0;
    for address in 10..50 {
        let guesser = client_from([127, 0, 0, address]);
        for n in 0..5 {
            let answer = log_in_from(&server, &guesser, &format!("rp_guess{n}")).await;
            match answer.status() {
                StatusCode::UNAUTHORIZED => {}
                StatusCode::TOO_MANY_REQUESTS => {
                    let body: Value = answer.json().await.unwrap();
                    let detail = body["errors"][0]["detail"].as_str().unwrap().to_string();
                    assert!(detail.contains("from all addresses"), "{detail}");
                    overall_refusals += 1;
                }
                other => panic!("{other}"),
            }
        }
    }
    assert!(overall_refusals > 50, "only {overall_refusals} guesses of 200 from 40 addresses refused");
    let clean = client_from([127, 0, 0, 200]);
    assert_eq!(log_in_from(&server, &clean, &server.key).await.status(), StatusCode::OK);
    assert_eq!(log_in_from(&server, &clean, "rp_typo").await.status(), StatusCode::UNAUTHORIZED, "heard");
}
