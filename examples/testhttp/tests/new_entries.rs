//! `NewEntriesTrigger` against a local feed, driven in-process through a `TriggerHost`.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::{Host, Remote, start, wait_until};
use riposte_sdk::{FailureKind, LogLevel};
use serde_json::{Value, json};

fn entry(id: i64, value: &str) -> Value {
    json!({"id": id, "value": value, "timestamp": 1_700_000_000 + id})
}

fn settings(remote: &Remote) -> Value {
    json!({"url": remote.url("/items"), "polling_interval": 1})
}

#[tokio::test]
async fn each_entry_starts_one_run_across_polls() {
    let remote = Remote::start(vec![entry(2, "b"), entry(1, "a")]).await;
    let host = Arc::new(Host::default());
    let trigger = start("NewEntriesTrigger", &host, json!({}), settings(&remote));

    wait_until("the first entries are sent", || host.events().len() == 1).await;
    remote.add(entry(3, "c"));
    wait_until("the new entry is sent", || host.events().len() == 2).await;
    let polls = remote.polls();
    wait_until("one more poll, with nothing new", || remote.polls() > polls).await;
    trigger.stop().await.unwrap();

    let events = host.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].name, "Pushing 2 new entries");
    assert_eq!(events[0].event, json!({"entries": [entry(1, "a"), entry(2, "b")]}), "by increasing id");
    assert_eq!(events[1].name, "Pushing 1 new entries");
    assert_eq!(events[1].event, json!({"entries": [entry(3, "c")]}));
    assert_ne!(events[0].request_id, events[1].request_id);
}

#[tokio::test]
async fn a_failed_poll_is_logged_and_polling_goes_on() {
    let remote = Remote::start(vec![entry(1, "a")]).await;
    remote.set_failing(true);
    let host = Arc::new(Host::default());
    let trigger = start("NewEntriesTrigger", &host, json!({}), settings(&remote));

    wait_until("the failure is logged", || !host.logged(LogLevel::Error).is_empty()).await;
    assert_eq!(host.logged(LogLevel::Error)[0], format!("HTTP Request failed: {}/items with 503", remote.base));
    remote.set_failing(false);
    wait_until("the entry is sent once the feed answers", || host.events().len() == 1).await;
    trigger.stop().await.unwrap();
}

#[tokio::test]
async fn entries_not_delivered_go_again_at_the_next_poll() {
    let remote = Remote::start(vec![entry(1, "a")]).await;
    let host = Arc::new(Host::default());
    host.out_of_reach.store(true, Ordering::SeqCst);
    let trigger = start("NewEntriesTrigger", &host, json!({}), settings(&remote));

    wait_until("the failed delivery is logged", || !host.logged(LogLevel::Error).is_empty()).await;
    assert!(host.logged(LogLevel::Error)[0].ends_with("the same items go again at the next poll"));
    host.out_of_reach.store(false, Ordering::SeqCst);
    wait_until("the entry is delivered", || host.events().len() == 1).await;
    trigger.stop().await.unwrap();
    assert_eq!(host.events()[0].event, json!({"entries": [entry(1, "a")]}));
}

#[tokio::test]
async fn by_default_it_waits_a_minute_between_polls_and_still_stops_at_once() {
    let remote = Remote::start(vec![entry(1, "a")]).await;
    let host = Arc::new(Host::default());
    let trigger = start("NewEntriesTrigger", &host, json!({}), json!({"url": remote.url("/items")}));
    wait_until("the first poll's event", || host.events().len() == 1).await;
    // `stop` allows a few seconds: far less than the minute the trigger is now waiting.
    trigger.stop().await.unwrap();
    assert_eq!(remote.polls(), 1);
}

#[tokio::test]
async fn a_configuration_it_cannot_use_ends_the_run_with_the_reason() {
    let host = Arc::new(Host::default());
    let error = start("NewEntriesTrigger", &host, json!({}), json!({"url": 5})).ended().await.unwrap_err();
    assert_eq!(error.kind, FailureKind::Fatal);
    assert!(error.message.starts_with("invalid trigger setting `url`"), "{}", error.message);
    let error = start("NewEntriesTrigger", &host, json!({}), json!({"url": "nowhere"})).ended().await.unwrap_err();
    assert!(error.message.starts_with("invalid url `nowhere`"), "{}", error.message);
}
