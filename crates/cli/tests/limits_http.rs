//! The server under connections that hold on to it: idle sockets, heads and bodies that stall,
//! and many large bodies at once, keyed and unkeyed. Memory stays bounded and comes back.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::time::{Duration, Instant};

use common::{Server, free_port, start_server_with};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Whether the server closed `stream` within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn intake_key(server: &Server) -> String {
    let (_, intake) = server.call(Method::POST, "/api/v1/intakes", Some(json!({"name": "firewall"}))).await;
    intake["intake_key"].as_str().unwrap().to_string()
}

fn push_head(length: usize, key: Option<&str>) -> String {
    let key = key.map(|k| format!("X-SEKOIAIO-INTAKE-KEY: {k}\r\n")).unwrap_or_default();
    format!(
        "POST /api/v1/intake-http/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{key}\
         Content-Length: {length}\r\n\r\n"
    )
}

#[tokio::test]
async fn idle_connections_and_stalled_heads_and_bodies_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--header-timeout", "1", "--body-timeout", "2"];
    let server = start_server_with(dir.path(), free_port(), &flags).await;
    let key = intake_key(&server).await;
    let address = server.base.trim_start_matches("http://").to_string();

    let mut idle = TcpStream::connect(&address).await.unwrap();
    let mut partial = TcpStream::connect(&address).await.unwrap();
    partial.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut stalled = TcpStream::connect(&address).await.unwrap();
    stalled.write_all(push_head(1000, Some(&key)).as_bytes()).await.unwrap();
    stalled.write_all(b"{\"jsons\": [").await.unwrap();

    assert!(closed_within(&mut idle, Duration::from_secs(5)).await, "an idle connection stays open");
    assert!(closed_within(&mut partial, Duration::from_secs(5)).await, "a partial head stays open");
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stalled.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "a stalled body is answered 408: {answer}");
    assert!(answer.contains("\"errors\""), "in the error envelope: {answer}");

    let (status, _) = server.call(Method::GET, "/api/v1/intakes", None).await;
    assert_eq!(status, 200, "the server still answers");
}

/// 300 senders each start a 12,000,000-byte body and send 10 MB of it.
async fn flood(address: &str, key: Option<&str>) -> (usize, usize) {
    let mut senders = Vec::new();
    for _ in 0..300 {
        let (address, key) = (address.to_string(), key.map(str::to_string));
        senders.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            stream.write_all(push_head(12_000_000, key.as_deref()).as_bytes()).await.unwrap();
            let mut body = b"{\"jsons\": [\"".to_vec();
            body.resize(1 << 20, b'a');
            let mut sent = 0;
            for _ in 0..10 {
                let write = tokio::time::timeout(Duration::from_secs(10), stream.write_all(&body)).await;
                if !matches!(write, Ok(Ok(()))) {
                    break;
                }
                sent += body.len();
                body.fill(b'a');
            }
            sent
        }));
    }
    let mut refused_early = 0;
    let mut bytes = 0;
    for sender in senders {
        let sent = sender.await.unwrap();
        bytes += sent;
        if sent < 10 << 20 {
            refused_early += 1;
        }
    }
    (refused_early, bytes)
}

#[tokio::test]
async fn large_bodies_from_many_senders_stay_within_the_body_budget() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--body-memory", "64", "--body-timeout", "3"];
    let server = start_server_with(dir.path(), free_port(), &flags).await;
    let key = intake_key(&server).await;
    let address = server.base.trim_start_matches("http://").to_string();
    let before = server.rss_mib();

    let sampler = {
        let pid = server.child.id();
        tokio::spawn(async move {
            let mut peak = 0;
            for _ in 0..200 {
                if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB").to_string();
                    peak = peak.max(line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak
        })
    };
    let (refused, _) = flood(&address, None).await;
    assert_eq!(refused, 300, "a body without its key is refused before it is read");
    let (_, bytes) = flood(&address, Some(&key)).await;
    let peak = sampler.await.unwrap();
    eprintln!("RSS before {before} MiB, peak {peak} MiB; keyed senders got {} MiB in", bytes >> 20);
    assert!(peak < before + 64 + 96, "RSS went from {before} to {peak} MiB with a 64 MiB body budget");

    let started = Instant::now();
    while server.rss_mib() > before + 48 {
        assert!(started.elapsed() < Duration::from_secs(20), "memory is not given back: {} MiB", server.rss_mib());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = server.call(Method::GET, "/api/v1/intakes", None).await;
    assert_eq!(status, 200, "the server still answers");
}

#[tokio::test]
async fn a_page_of_large_events_stops_at_its_size_and_the_next_one_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(dir.path(), free_port(), &[]).await;
    let (_, intake) = server.call(Method::POST, "/api/v1/intakes", Some(json!({"name": "big"}))).await;
    let (uuid, key) = (intake["uuid"].as_str().unwrap(), intake["intake_key"].as_str().unwrap());
    let event = "e".repeat(240_000);
    for _ in 0..4 {
        assert_eq!(server.push_events(key, vec![event.clone(); 10]).await, 200);
    }
    let (status, first) = server.call(Method::GET, &format!("/api/v1/intakes/{uuid}/events?limit=1000"), None).await;
    assert_eq!(status, 200);
    let taken = first["items"].as_array().unwrap().len();
    assert_eq!(first["total"], 40);
    assert!((1..40).contains(&taken), "a page of {taken} events of 240 kB");
    assert!(first.to_string().len() <= 8 * 1024 * 1024 + 64 * 1024, "the page is larger than 8 MiB");
    let path = format!("/api/v1/intakes/{uuid}/events?limit=1000&offset={taken}");
    let (_, rest) = server.call(Method::GET, &path, None).await;
    assert_eq!(taken + rest["items"].as_array().unwrap().len(), 40, "the next page holds the rest");
    let (status, _) =
        server.call(Method::GET, &format!("/api/v1/intakes/{uuid}/events?offset=9223372036854775808"), None).await;
    assert_eq!(status, 400, "an offset past what the database counts is refused");
}

#[tokio::test]
async fn refusals_of_the_address_or_the_media_type_answer_in_the_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(dir.path(), free_port(), &[]).await;
    let client = reqwest::Client::new();
    let long = format!("{}/api/v1/sic/alerts?rule_name={}", server.base, "x".repeat(10_000));
    let answer = client.get(long).bearer_auth(&server.key).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 414);
    assert!(answer.text().await.unwrap().contains("\"errors\""));
    let answer = client.get(format!("{}/api/v1/sic/alerts/%FF%FE", server.base)).bearer_auth(&server.key).send().await;
    let answer = answer.unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    assert!(answer.text().await.unwrap().contains("not UTF-8"));
    let jsonx = client
        .post(format!("{}/api/v1/sic/alerts", server.base))
        .bearer_auth(&server.key)
        .header("content-type", "application/jsonx")
        .body(r#"{"title": "t", "rule": {"name": "r"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(jsonx.status().as_u16(), 415);

    // An entity by name alone, and an urgency written as a whole float, as JSON Schema allows.
    let alert = json!({"title": "t", "rule": {"name": "r"}, "entity": {"name": "Main"}, "urgency": 80.0});
    let (status, created) = server.call(Method::POST, "/api/v1/sic/alerts", Some(alert)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((created["entity"]["name"].as_str(), created["urgency"]["value"].as_i64()), (Some("Main"), Some(80)));
    assert!(created["entity"]["uuid"].as_str().is_some_and(|u| u.len() == 36));
}

/// A connection to `address` from `from` (any of 127.0.0.0/8 reaches the server).
async fn connect_from(from: [u8; 4], address: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(std::net::SocketAddr::from((from, 0))).unwrap();
    socket.connect(address.parse().unwrap()).await.unwrap()
}

/// What the server answers to `GET /health` on `stream`, up to its status line.
async fn health_on(stream: &mut TcpStream) -> String {
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
    String::from_utf8_lossy(&answer[..read.map_or(0, |r| r.unwrap_or(0))]).into_owned()
}

#[tokio::test]
async fn one_address_cannot_hold_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--max-connections", "8", "--max-connections-per-address", "3"];
    let server = start_server_with(dir.path(), free_port(), &flags).await;
    let address = server.base.trim_start_matches("http://").to_string();

    // Half-open: connected, a partial head, nothing more.
    let mut held = Vec::new();
    for from in [[127, 0, 0, 2], [127, 0, 0, 3]] {
        for _ in 0..3 {
            let mut stream = connect_from(from, &address).await;
            stream.write_all(b"GET /health HTTP/1.1\r\n").await.unwrap();
            held.push(stream);
        }
        let mut over = connect_from(from, &address).await;
        let mut answer = String::new();
        let read = tokio::time::timeout(Duration::from_secs(5), over.read_to_string(&mut answer)).await;
        assert!(read.is_ok(), "a fourth connection from one address is left open");
        assert!(answer.starts_with("HTTP/1.1 429"), "answered 429 before it is closed: {answer}");
        assert!(answer.contains("too many connections from this address"), "{answer}");
    }
    let (status, _) = server.call(Method::GET, "/api/v1/intakes", None).await;
    assert_eq!(status, 200, "another address is served");
    assert_eq!(reqwest::get(format!("{}/health", server.base)).await.unwrap().status(), 200);

    held.truncate(2);
    let started = Instant::now();
    loop {
        let mut next = connect_from([127, 0, 0, 2], &address).await;
        if health_on(&mut next).await.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "a closed connection does not make room again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
