//! The behaviour every storage backend must have, behind the `conformance` feature. A backend's
//! tests call [`conformance_tests!`](crate::conformance_tests) with a function that makes a fresh
//! store: one test per check, each on its own store. A check panics with what went wrong.

#![allow(clippy::unwrap_used)]

use riposte_model::{
    Alert, AlertComment, AlertRule, AlertStatus, AlertType, AlertUrgency, LogEntry, LogLevel, NameUuid, NodeReport,
    NodeStatus, RunStatus,
};
use serde_json::{Value, json};

use crate::*;

/// One `#[tokio::test]` per check, each on the fresh store `$fresh()` returns as
/// `(kept, store)`: `kept` (a temporary folder, say) lives as long as the test.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::conformance_tests!(@each $fresh; alerts, alert_runs_are_stored_with_the_alert, comments,
            playbooks, playbooks_are_listed_by_name_state_and_order, a_deleted_playbook_uuid_is_taken_again, runs, configurations, api_keys, intakes, retention);
    };
    (@each $fresh:path; $($check:ident),*) => {
        $(
            #[tokio::test]
            async fn $check() {
                let (_kept, store) = $fresh();
                $crate::conformance::$check(&store).await;
            }
        )*
    };
}

pub async fn retention(store: &dyn Store) {
    let intake = IntakeRecord {
        uuid: "i-ret".into(),
        name: "retention".into(),
        intake_key: "key-ret".into(),
        connector: None,
        created_at: 1,
    };
    store.insert_intake(&intake).await.unwrap();
    let events: Vec<IntakeEvent> = [5, 2_000_000]
        .iter()
        .map(|&at| IntakeEvent {
            uuid: format!("e-ret-{at}"),
            intake_uuid: "i-ret".into(),
            message: "m".into(),
            received_at: at,
        })
        .collect();
    store.insert_intake_events(events).await.unwrap();
    let (mut old, mut recent) = (sample_alert(50, "old"), sample_alert(51, "recent"));
    (old.created_at, recent.created_at) = (100, 10_000);
    store.insert_alert(&old, &[]).await.unwrap();
    store.insert_alert(&recent, &[]).await.unwrap();
    let (finished, unfinished) =
        (NewRun { created_at: 1_000, ..new_run(60, "p-ret") }, NewRun { created_at: 1_000, ..new_run(61, "p-ret") });
    store.insert_runs(&[finished.clone(), unfinished.clone()]).await.unwrap();
    let done = RunState {
        status: RunStatus::Succeeded,
        nodes: None,
        started_at: Some(1_000),
        ended_at: Some(1_001),
        error: None,
        outputs: vec![StoredOutput { key: "k".into(), value: json!(1) }],
    };
    store.append_run_events(&finished.uuid, 0, &lines(&[json!({"e": 0})]), &done).await.unwrap();
    assert_eq!(store.oldest_record_ms().await.unwrap(), Some(5));

    let mut pruned = Pruned::default();
    loop {
        let step = store.prune(1_000_000, 1).await.unwrap();
        assert!(step.runs <= 1 && step.alerts <= 1 && step.events <= 1, "at most one batch of each: {step:?}");
        if step.total() == 0 {
            break;
        }
        (pruned.runs, pruned.alerts, pruned.events) =
            (pruned.runs + step.runs, pruned.alerts + step.alerts, pruned.events + step.events);
    }
    assert_eq!(pruned, Pruned { runs: 1, alerts: 1, events: 1 });
    assert!(store.get_run(&finished.uuid).await.unwrap().is_none(), "a finished run goes");
    assert!(store.run_outputs(&finished.uuid, &["k".into()]).await.unwrap().is_empty(), "with its outputs");
    assert!(store.get_run(&unfinished.uuid).await.unwrap().is_some(), "an unfinished run stays");
    assert!(store.get_alert(&old.uuid).await.unwrap().is_none());
    assert!(store.get_alert(&recent.uuid).await.unwrap().is_some());
    let left = store.list_intake_events("i-ret", Page::default()).await.unwrap();
    assert_eq!(left.items.iter().map(|e| e.received_at).collect::<Vec<_>>(), vec![2_000_000]);
    assert_eq!(store.oldest_record_ms().await.unwrap(), Some(2_000_000));

    let storage = store.storage().await.unwrap();
    assert!(storage.used_bytes > 0 && storage.file_bytes >= storage.used_bytes, "{storage:?}");
    store.reclaim_space().await.unwrap();
}

pub async fn intakes(store: &dyn Store) {
    let connector = IntakeConnector {
        module_uuid: "m-1".into(),
        connector_uuid: "c-1".into(),
        module_configuration_uuid: None,
        configuration: json!({"url": "http://127.0.0.1:9/entries"}),
    };
    let intake = IntakeRecord {
        uuid: "i-1".into(),
        name: "entries".into(),
        intake_key: "key-1".into(),
        connector: Some(connector),
        created_at: 1,
    };
    let bare = IntakeRecord { uuid: "i-2".into(), intake_key: "key-2".into(), connector: None, ..intake.clone() };
    store.insert_intake(&intake).await.unwrap();
    store.insert_intake(&bare).await.unwrap();
    let taken = IntakeRecord { uuid: "i-3".into(), ..intake.clone() };
    assert!(matches!(store.insert_intake(&taken).await, Err(StoreError::Conflict(_))), "intake keys are unique");
    assert_eq!(store.get_intake("i-1").await.unwrap().as_ref(), Some(&intake));
    assert_eq!(store.find_intake_by_key("key-2").await.unwrap().as_ref(), Some(&bare));
    assert!(store.find_intake_by_key("nope").await.unwrap().is_none());
    assert_eq!(store.list_intakes().await.unwrap(), vec![intake.clone(), bare.clone()]);

    let events: Vec<IntakeEvent> = (0..3)
        .map(|n| IntakeEvent {
            uuid: format!("e-{n}"),
            intake_uuid: "i-1".into(),
            message: format!("{{\"n\": {n}}}"),
            received_at: 10 + n,
        })
        .collect();
    store.insert_intake_events(events.clone()).await.unwrap();
    let orphan = IntakeEvent { uuid: "e-x".into(), intake_uuid: "gone".into(), ..events[0].clone() };
    assert!(store.insert_intake_events(vec![orphan]).await.is_err(), "an event belongs to an existing intake");
    let page = store.list_intake_events("i-1", Page::new(1, 5)).await.unwrap();
    assert_eq!((page.total, page.items), (3, events[1..].to_vec()));
    let small = Page { max_bytes: 12, ..Page::new(0, 5) };
    let page = store.list_intake_events("i-1", small).await.unwrap();
    assert_eq!((page.total, page.items.len()), (3, 1), "a page stops at its size, one item at least");
    assert_eq!(store.list_intake_events("i-2", Page::default()).await.unwrap().total, 0);
    assets(store).await;

    store.delete_intake("i-1").await.unwrap();
    assert!(store.get_intake("i-1").await.unwrap().is_none());
    assert_eq!(store.list_intake_events("i-1", Page::default()).await.unwrap().total, 0, "events go with it");
    assert_eq!(store.list_assets("i-1", Page::default()).await.unwrap().total, 0, "assets go with it");
    assert!(matches!(store.delete_intake("i-1").await, Err(StoreError::NotFound { .. })));
}

/// The assets of intake `i-1`: kept by key, the latest replacing, all or none within the limit.
async fn assets(store: &dyn Store) {
    let asset = |key: &str, n: i64| NewAsset {
        key: key.into(),
        class_uid: Some(5001),
        asset: json!({"device": {"uid": key}, "n": n}),
    };
    store.upsert_assets("i-1", &[asset("b", 1), asset("a", 1), asset("a", 2)], 100, 10).await.unwrap();
    store.upsert_assets("i-1", &[asset("b", 3)], 200, 10).await.unwrap();
    let page = store.list_assets("i-1", Page::default()).await.unwrap();
    let expected = |key: &str, n: i64, last_seen: i64| AssetRecord {
        intake_uuid: "i-1".into(),
        key: key.into(),
        class_uid: Some(5001),
        asset: asset(key, n).asset,
        first_seen: 100,
        last_seen,
    };
    assert_eq!((page.total, page.items), (2, vec![expected("a", 2, 100), expected("b", 3, 200)]));
    let over = store.upsert_assets("i-1", &[asset("c", 1), asset("a", 4)], 300, 2).await;
    assert!(matches!(over, Err(StoreError::Full(_))), "a third asset is over a limit of 2: {over:?}");
    assert_eq!(store.list_assets("i-1", Page::default()).await.unwrap().items[0], expected("a", 2, 100), "all or none");
    store.upsert_assets("i-1", &[asset("a", 5)], 400, 2).await.unwrap();
    let gone = store.upsert_assets("gone", &[asset("a", 1)], 1, 10).await;
    assert!(matches!(gone, Err(StoreError::NotFound { .. })), "assets belong to an existing intake: {gone:?}");
    assert_eq!(store.list_assets("i-2", Page::default()).await.unwrap().total, 0);
    let small = Page { max_bytes: 10, ..Page::new(0, 5) };
    assert_eq!(store.list_assets("i-1", small).await.unwrap().items.len(), 1, "a page stops at its size");
}

pub async fn api_keys(store: &dyn Store) {
    let key = ApiKey {
        uuid: "k-1".into(),
        name: "reader".into(),
        key_hash: "abc".into(),
        permissions: vec!["SIC_READ_ALERTS".into()],
        created_at: 1,
    };
    store.insert_api_key(&key).await.unwrap();
    assert!(
        matches!(
            store.insert_api_key(&ApiKey { uuid: "k-2".into(), ..key.clone() }).await,
            Err(StoreError::Conflict(_))
        ),
        "hashes are unique"
    );
    assert_eq!(store.find_api_key("abc").await.unwrap().as_ref(), Some(&key));
    assert!(store.find_api_key("nope").await.unwrap().is_none());
    assert_eq!(store.list_api_keys().await.unwrap(), vec![key]);
    sessions(store).await;
    store.delete_api_key("k-1").await.unwrap();
    assert!(store.find_api_key("abc").await.unwrap().is_none());
    assert!(store.find_session("t-4").await.unwrap().is_none(), "a deleted key's sessions end with it");
    assert!(store.find_session("admin-1").await.unwrap().is_some(), "other keys' sessions stay");
    assert!(matches!(store.delete_api_key("k-1").await, Err(StoreError::NotFound { .. })));
}

/// Sessions of key `abc` (stored) and of `admin` (a key the store does not hold).
async fn sessions(store: &dyn Store) {
    let session = |token: &str, key: &str, created_at: i64| SessionRecord {
        token_hash: token.into(),
        key_hash: key.into(),
        created_at,
        expires_at: created_at + 100,
    };
    store.insert_session(&session("admin-1", "admin", 10), 3).await.unwrap();
    for n in 1..=4 {
        store.insert_session(&session(&format!("t-{n}"), "abc", 10 + n), 3).await.unwrap();
    }
    assert!(store.find_session("t-1").await.unwrap().is_none(), "a key keeps its newest sessions");
    assert_eq!(store.find_session("t-2").await.unwrap(), Some(session("t-2", "abc", 12)));
    store.delete_session("t-2").await.unwrap();
    store.delete_session("t-2").await.unwrap();
    assert!(store.find_session("t-2").await.unwrap().is_none());
    store.insert_session(&session("later", "other", 113), 3).await.unwrap();
    assert!(store.find_session("t-3").await.unwrap().is_none(), "expired sessions go when a new one comes");
    assert!(store.find_session("t-4").await.unwrap().is_some());
    store.insert_session(&session("admin-1", "admin", 113), 3).await.unwrap();
}

pub fn sample_alert(n: u32, rule: &str) -> Alert {
    Alert {
        uuid: format!("00000000-0000-4000-8000-{n:012}"),
        short_id: format!("ALtest{n:06}"),
        title: format!("Alert {n}"),
        details: String::new(),
        rule: AlertRule {
            uuid: format!("rule-{rule}"),
            name: rule.to_string(),
            description: String::new(),
            severity: 50,
            rule_type: None,
            pattern: None,
        },
        urgency: AlertUrgency::new(40, 50),
        status: AlertStatus::pending(),
        entity: NameUuid { uuid: "e".into(), name: "Entity".into() },
        alert_type: AlertType { category: "c".into(), value: "v".into() },
        source: String::new(),
        target: String::new(),
        community_uuid: String::new(),
        created_at: 1_700_000_000 + i64::from(n),
        updated_at: 1_700_000_000 + i64::from(n),
        first_seen_at: "2026-01-01T00:00:00Z".into(),
        last_seen_at: "2026-01-01T00:00:00Z".into(),
        event_uuids: vec![],
        similar: 0,
        is_incident: false,
        number_of_total_comments: 0,
        extra: serde_json::from_value(json!({"custom": {"kept": true}})).unwrap(),
    }
}

fn new_run(n: u32, playbook: &str) -> NewRun {
    NewRun {
        uuid: format!("10000000-0000-4000-8000-{n:012}"),
        playbook_uuid: playbook.to_string(),
        playbook_version: 1,
        name: format!("Run {n}"),
        trigger_event: json!({"n": n}),
        trigger_node: n.is_multiple_of(2).then(|| format!("manual-{n}")),
        alert: n.is_multiple_of(3).then(|| format!("ALtest{n:06}")),
        created_at: 1_700_000_000_000 + i64::from(n),
    }
}

pub async fn alerts(store: &dyn Store) {
    for n in 1..=5 {
        store.insert_alert(&sample_alert(n, if n % 2 == 0 { "even" } else { "odd" }), &[]).await.unwrap();
    }
    let alert = sample_alert(3, "odd");
    assert_eq!(store.get_alert(&alert.uuid).await.unwrap().as_ref(), Some(&alert), "by uuid, extra fields kept");
    assert_eq!(store.get_alert(&alert.short_id).await.unwrap().as_ref(), Some(&alert), "by short id");
    assert!(store.get_alert("nope").await.unwrap().is_none());
    for id in [&alert.uuid, &alert.short_id] {
        let json = store.get_alert_json(id).await.unwrap().expect("as JSON too");
        let read: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(read, serde_json::to_value(&alert).unwrap(), "as the API shows it");
    }
    assert!(store.get_alert_json("nope").await.unwrap().is_none());
    assert!(matches!(store.insert_alert(&alert, &[]).await, Err(StoreError::Conflict(_))), "same uuid twice");

    let all = store.list_alerts(&AlertFilter::default(), Page::new(1, 2)).await.unwrap();
    assert_eq!(all.total, 5);
    let ids: Vec<&str> = all.items.iter().map(|a| a.short_id.as_str()).collect();
    assert_eq!(ids, vec!["ALtest000004", "ALtest000003"], "newest first, paged");
    let even = AlertFilter { rule_name: Some("even".into()), ..Default::default() };
    assert_eq!(store.list_alerts(&even, Page::default()).await.unwrap().total, 2);
    let window =
        AlertFilter { created_from: Some(1_700_000_002), created_to: Some(1_700_000_003), ..Default::default() };
    assert_eq!(store.list_alerts(&window, Page::default()).await.unwrap().total, 2);

    let mut changed = alert.clone();
    changed.status = AlertStatus::find("Ongoing").unwrap();
    store.update_alert(&changed, &[]).await.unwrap();
    let ongoing = AlertFilter { status_uuid: Some(changed.status.uuid.clone()), ..Default::default() };
    assert_eq!(store.list_alerts(&ongoing, Page::default()).await.unwrap().items, vec![changed]);
    assert!(matches!(store.update_alert(&sample_alert(99, "x"), &[]).await, Err(StoreError::NotFound { .. })));
}

pub async fn alert_runs_are_stored_with_the_alert(store: &dyn Store) {
    let runs = [new_run(1, "p-alert"), new_run(2, "p-alert")];
    store.insert_alert(&sample_alert(10, "r"), &runs).await.unwrap();
    let stored = store
        .list_runs(&RunFilter { playbook_uuid: Some("p-alert".into()), ..Default::default() }, Page::default())
        .await
        .unwrap();
    assert_eq!(stored.total, 2);
    assert!(stored.items.iter().all(|r| r.status == RunStatus::Pending && r.journal_len == 0));
    // Runs are handed to the service as `into_record` makes them, without being read back.
    let read_back = store.get_run(&runs[0].uuid).await.unwrap();
    assert_eq!(read_back, Some(runs[0].clone().into_record()));
    // A failed alert write stores none of its runs.
    let clash = [new_run(3, "p-alert")];
    assert!(store.insert_alert(&sample_alert(10, "r"), &clash).await.is_err());
    assert!(store.get_run(&clash[0].uuid).await.unwrap().is_none(), "runs of a rejected alert are not stored");
}

pub async fn comments(store: &dyn Store) {
    let alert = sample_alert(20, "c");
    store.insert_alert(&alert, &[]).await.unwrap();
    for (i, text) in ["first", "second"].iter().enumerate() {
        let comment = AlertComment {
            uuid: format!("c-{i}"),
            alert_uuid: alert.uuid.clone(),
            content: text.to_string(),
            author: "analyst".into(),
            date: 1_700_000_100 + i as i64,
        };
        store.add_comment(&comment, &[]).await.unwrap();
    }
    let comments = store.list_comments(&alert.uuid).await.unwrap();
    assert_eq!(comments.iter().map(|c| c.content.as_str()).collect::<Vec<_>>(), vec!["first", "second"]);
    assert_eq!(store.get_alert(&alert.uuid).await.unwrap().unwrap().number_of_total_comments, 2);
    let json = store.get_alert_json(&alert.short_id).await.unwrap().unwrap();
    assert!(json.contains("\"number_of_total_comments\":2"), "the JSON counts comments too: {json}");
    let orphan = AlertComment {
        uuid: "c-x".into(),
        alert_uuid: "missing".into(),
        content: "x".into(),
        author: "a".into(),
        date: 0,
    };
    assert!(matches!(store.add_comment(&orphan, &[]).await, Err(StoreError::NotFound { .. })));
}

pub async fn playbooks_are_listed_by_name_state_and_order(store: &dyn Store) {
    for (n, name) in ["Sync alerts", "Block IP on firewall", "sync_users 100%", "Triage"].iter().enumerate() {
        let playbook =
            NewPlaybook { uuid: format!("pb-{n}"), name: name.to_string(), definition: json!({}), now: n as i64 };
        store.create_playbook(&playbook).await.unwrap();
    }
    store.set_active("pb-3", true, None).await.unwrap();
    let listed = async |filter: PlaybookFilter, page: Page| {
        let paged = store.list_playbooks(&filter, page).await.unwrap();
        (paged.total, paged.items.into_iter().map(|p| p.uuid).collect::<Vec<_>>())
    };
    let all = PlaybookFilter::default();
    assert_eq!(
        listed(all.clone(), Page::default()).await,
        (4, vec!["pb-3".into(), "pb-2".into(), "pb-1".into(), "pb-0".into()])
    );
    let named = |name: &str| PlaybookFilter { name: Some(name.into()), ..Default::default() };
    assert_eq!(listed(named("SYNC"), Page::default()).await, (2, vec!["pb-2".into(), "pb-0".into()]), "any case");
    assert_eq!(listed(named("_users 100%"), Page::default()).await.0, 1, "% and _ are plain characters");
    assert_eq!(listed(named("sync_a"), Page::default()).await.0, 0, "`_` matches only itself");
    assert_eq!(listed(named("nothing"), Page::default()).await, (0, vec![]));
    let on = PlaybookFilter { active: Some(true), ..Default::default() };
    assert_eq!(listed(on, Page::default()).await, (1, vec!["pb-3".into()]));
    let off = PlaybookFilter { active: Some(false), name: Some("s".into()), order: PlaybookOrder::Name };
    assert_eq!(listed(off, Page::default()).await, (2, vec!["pb-0".into(), "pb-2".into()]), "by name, then filtered");
    let by_name = PlaybookFilter { order: PlaybookOrder::Name, ..Default::default() };
    assert_eq!(listed(by_name.clone(), Page::new(1, 2)).await, (4, vec!["pb-0".into(), "pb-2".into()]), "paged");
    store.save_version("pb-1", &json!({"v": 2}), "Block IP on firewall", None).await.unwrap();
    let updated = PlaybookFilter { order: PlaybookOrder::Updated, ..Default::default() };
    // pb-3 was changed too (turned on), maybe within the same millisecond.
    let latest = listed(updated, Page::new(0, 2)).await.1;
    assert!(latest.contains(&"pb-1".to_string()) && latest.contains(&"pb-3".to_string()), "{latest:?}");
}

pub async fn playbooks(store: &dyn Store) {
    let created = store
        .create_playbook(&NewPlaybook { uuid: "pb-1".into(), name: "One".into(), definition: json!({"v": 1}), now: 5 })
        .await
        .unwrap();
    assert_eq!((created.version, created.active), (1, false));
    let saved = store.save_version("pb-1", &json!({"v": 2}), "One bis", Some(1)).await.unwrap();
    assert_eq!((saved.version, saved.name.as_str()), (2, "One bis"));
    assert_eq!(store.get_version("pb-1", 1).await.unwrap(), Some(json!({"v": 1})), "old versions stay");
    assert_eq!(store.get_playbook("pb-1").await.unwrap().unwrap().definition, json!({"v": 2}));
    assert!(store.get_version("pb-1", 3).await.unwrap().is_none());
    assert!(matches!(store.save_version("nope", &json!({}), "x", None).await, Err(StoreError::NotFound { .. })));
    assert!(matches!(
        store
            .create_playbook(&NewPlaybook { uuid: "pb-1".into(), name: "Dup".into(), definition: json!({}), now: 6 })
            .await,
        Err(StoreError::Conflict(_))
    ));

    assert!(store.active_playbooks().await.unwrap().is_empty());
    store.set_active("pb-1", true, None).await.unwrap();
    assert_eq!(store.active_playbooks().await.unwrap().len(), 1);
    let heads = store.active_playbook_heads().await.unwrap();
    assert_eq!((heads.len(), heads[0].uuid.as_str(), heads[0].version), (1, "pb-1", 2));
    // Heads follow every change (a store may keep them in memory between writes).
    assert!(
        matches!(store.save_version("pb-1", &json!({"v": 9}), "Stale", Some(1)).await, Err(StoreError::Conflict(_))),
        "an edit of v1 does not overwrite v2"
    );
    assert_eq!(store.get_playbook("pb-1").await.unwrap().unwrap().version, 2, "nothing was saved");
    store.save_version("pb-1", &json!({"v": 3}), "One ter", None).await.unwrap();
    assert_eq!(store.active_playbook_heads().await.unwrap()[0].version, 3, "a new version shows at once");
    let off = store.set_active("pb-1", false, Some("5 technical failures in a row")).await.unwrap();
    assert_eq!(off.deactivation_reason.as_deref(), Some("5 technical failures in a row"));
    assert!(store.active_playbook_heads().await.unwrap().is_empty(), "a playbook turned off stops at once");
    assert_eq!(store.set_active("pb-1", true, None).await.unwrap().deactivation_reason, None);
    assert_eq!(store.active_playbook_heads().await.unwrap().len(), 1);

    store
        .create_playbook(&NewPlaybook { uuid: "pb-2".into(), name: "Two".into(), definition: json!({}), now: 7 })
        .await
        .unwrap();
    assert_eq!(store.list_playbooks(&PlaybookFilter::default(), Page::default()).await.unwrap().total, 2);
    store.set_active("pb-2", true, None).await.unwrap();
    assert_eq!(store.active_playbook_heads().await.unwrap().len(), 2);
    store.delete_playbook("pb-2").await.unwrap();
    assert!(store.get_playbook("pb-2").await.unwrap().is_none());
    assert_eq!(store.active_playbook_heads().await.unwrap().len(), 1, "a deleted playbook stops at once");
    assert!(matches!(store.delete_playbook("pb-2").await, Err(StoreError::NotFound { .. })));
}

/// A deleted playbook's versions stay for its runs; a new playbook with its UUID (a Community
/// template imported again) starts after its last version number, without what it left.
pub async fn a_deleted_playbook_uuid_is_taken_again(store: &dyn Store) {
    let new =
        |name: &str, now| NewPlaybook { uuid: "pb-r".into(), name: name.into(), definition: json!({"n": name}), now };
    store.create_playbook(&new("Old", 1)).await.unwrap();
    store.save_version("pb-r", &json!({"n": "Old 2"}), "Old", None).await.unwrap();
    let live = store.create_playbook(&new("Again", 2)).await;
    assert!(
        matches!(&live, Err(StoreError::Conflict(m)) if m.contains("pb-r") && !m.to_lowercase().contains("constraint")),
        "a live playbook's UUID is a plain conflict: {live:?}"
    );
    let (finished, unfinished) = (new_run(70, "pb-r"), new_run(71, "pb-r"));
    store.insert_runs(&[finished.clone(), unfinished.clone()]).await.unwrap();
    let done = RunState {
        status: RunStatus::Succeeded,
        nodes: None,
        started_at: Some(1),
        ended_at: Some(2),
        error: None,
        outputs: vec![StoredOutput { key: "n:1".into(), value: json!("big") }],
    };
    store.append_run_events(&finished.uuid, 0, &lines(&[json!({"e": 0})]), &done).await.unwrap();
    store.delete_playbook("pb-r").await.unwrap();
    assert_eq!(store.get_version("pb-r", 2).await.unwrap(), Some(json!({"n": "Old 2"})), "runs still read it");

    let refused = store.create_playbook(&new("New", 3)).await;
    assert!(matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("not finished")), "{refused:?}");
    store.append_run_events(&unfinished.uuid, 0, &lines(&[json!({"e": 0})]), &done).await.unwrap();
    let created = store.create_playbook(&new("New", 3)).await.unwrap();
    assert_eq!((created.version, created.first_version, created.name.as_str()), (3, 3, "New"));
    assert_eq!(store.get_version("pb-r", 3).await.unwrap(), Some(json!({"n": "New"})));
    for old in [1, 2] {
        assert!(store.get_version("pb-r", old).await.unwrap().is_none(), "v{old} of the deleted playbook is gone");
    }
    for run in [&finished, &unfinished] {
        assert!(store.get_run(&run.uuid).await.unwrap().is_none(), "the deleted playbook's runs are gone");
        assert!(store.run_events(&run.uuid).await.unwrap().is_empty());
        assert!(store.run_outputs(&run.uuid, &["n:1".into()]).await.unwrap().is_empty());
    }
    store.insert_runs(std::slice::from_ref(&finished)).await.unwrap();
    let saved = store.save_version("pb-r", &json!({"n": "New 2"}), "New", Some(3)).await.unwrap();
    assert_eq!((saved.version, saved.first_version), (4, 3));
    let listed = store.list_playbooks(&PlaybookFilter::default(), Page::default()).await.unwrap();
    assert_eq!(listed.items[0].first_version, 3);
    let fresh = NewPlaybook { uuid: "pb-f".into(), name: "F".into(), definition: json!({}), now: 4 };
    assert_eq!(store.create_playbook(&fresh).await.unwrap().first_version, 1);
}

pub async fn runs(store: &dyn Store) {
    let runs: Vec<NewRun> = (30..34).map(|n| new_run(n, "p-runs")).collect();
    store.insert_runs(&runs).await.unwrap();
    let run = &runs[0];
    let node = NodeReport {
        logs: vec![LogEntry { date: "2026-01-01T00:00:00Z".into(), level: LogLevel::Info, message: "hi".into() }],
        results: Some(json!({"ok": true})),
        ..NodeReport::unreached("1", "Get Alert", NodeStatus::Succeeded)
    };
    let running = RunState {
        status: RunStatus::Running,
        nodes: Some(json_text(&[&node]).unwrap()),
        started_at: Some(10),
        ended_at: None,
        error: None,
        outputs: vec![],
    };
    store.append_run_events(&run.uuid, 0, &lines(&[json!({"e": 0}), json!({"e": 1})]), &running).await.unwrap();
    assert!(
        matches!(
            store.append_run_events(&run.uuid, 1, &lines(&[json!({"e": 9})]), &running).await,
            Err(StoreError::Conflict(_))
        ),
        "an event number used twice is refused"
    );
    let big = StoredOutput { key: "n:1".into(), value: json!({"big": "x".repeat(100)}) };
    let done = RunState {
        status: RunStatus::Failed,
        nodes: None,
        ended_at: Some(20),
        error: Some("module gone".into()),
        outputs: vec![big.clone()],
        ..running.clone()
    };
    store.append_run_events(&run.uuid, 2, &lines(&[json!({"e": 2})]), &done).await.unwrap();
    assert_eq!(store.run_events(&run.uuid).await.unwrap(), vec![json!({"e": 0}), json!({"e": 1}), json!({"e": 2})]);
    let outputs = store.run_outputs(&run.uuid, &["n:1".into(), "n:9".into()]).await.unwrap();
    assert_eq!((outputs.len(), &outputs["n:1"]), (1, &big.value), "outputs kept apart come back by key");
    assert!(store.run_outputs(&runs[1].uuid, &["n:1".into()]).await.unwrap().is_empty(), "keys are per run");
    let stored = store.get_run(&run.uuid).await.unwrap().unwrap();
    assert_eq!((stored.status, stored.journal_len, stored.ended_at), (RunStatus::Failed, 3, Some(20)));
    assert_eq!(stored.error.as_deref(), Some("module gone"));
    assert_eq!(stored.nodes, vec![node], "no nodes in a write leaves the stored ones as they were");
    assert_eq!(stored.trigger_event, run.trigger_event);
    assert_eq!(stored.trigger_node, run.trigger_node, "the trigger node a run starts from is kept");
    let other = store.get_run(&runs[1].uuid).await.unwrap().unwrap();
    assert_eq!(other.trigger_node, runs[1].trigger_node);
    let all = store.list_runs(&RunFilter::default(), Page::default()).await.unwrap().items;
    for listed in all.iter().filter_map(|r| Some((r, runs.iter().find(|n| n.uuid == r.uuid)?))) {
        assert_eq!(listed.0.alert, listed.1.alert, "a list names the alert a run is about");
    }
    assert!(runs.iter().any(|r| r.alert.is_some()) && runs.iter().any(|r| r.alert.is_none()), "both kinds listed");

    let filter =
        RunFilter { playbook_uuid: Some("p-runs".into()), status: Some(RunStatus::Pending), ..Default::default() };
    let pending = store.list_runs(&filter, Page::new(0, 2)).await.unwrap();
    assert_eq!((pending.total, pending.items.len()), (3, 2));
    assert_eq!(pending.items[0].uuid, runs[3].uuid, "newest first");
    let named = RunFilter { name: Some("Run 32".into()), ..Default::default() };
    let named = store.list_runs(&named, Page::default()).await.unwrap();
    assert_eq!((named.total, named.items[0].uuid.as_str()), (1, runs[2].uuid.as_str()), "runs by their name");
    let counts =
        store.count_runs(&RunFilter { playbook_uuid: Some("p-runs".into()), ..Default::default() }).await.unwrap();
    let count_of = |status| counts.iter().find(|c| c.status == status).map_or(0, |c| c.count);
    assert_eq!((count_of(RunStatus::Pending), count_of(RunStatus::Failed)), (3, 1), "{counts:?}");
    assert!(counts.iter().all(|c| c.playbook_uuid == "p-runs"));
    let unfinished = store.unfinished_runs(100).await.unwrap();
    assert!(unfinished.iter().all(|r| r.status == RunStatus::Pending || r.status == RunStatus::Running));
    assert!(!unfinished.iter().any(|r| r.uuid == run.uuid));
    assert!(unfinished.windows(2).all(|w| w[0].created_at <= w[1].created_at), "oldest first");
    assert!(matches!(
        store.append_run_events("missing", 0, &lines(&[json!({})]), &running).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Journal lines as a runner encodes them.
fn lines(values: &[Value]) -> Vec<JsonText> {
    values.iter().map(|value| json_text(value).unwrap()).collect()
}

pub async fn configurations(store: &dyn Store) {
    let mut configuration = ModuleConfiguration {
        uuid: "cfg-1".into(),
        module_uuid: "m-1".into(),
        name: "Account".into(),
        value: json!({"base_url": "https://x"}),
        sealed_secrets: vec![1, 2, 3],
        created_at: 1,
        updated_at: 1,
        account_check: Some(AccountCheckRecord {
            success: false,
            error: Some("401 from https://x: invalid key".into()),
            checked_at: 1,
        }),
    };
    store.insert_configuration(&configuration).await.unwrap();
    assert_eq!(
        store.get_configuration("cfg-1").await.unwrap().as_ref(),
        Some(&configuration),
        "the account validator's refusal and its reason are kept"
    );
    assert!(matches!(store.insert_configuration(&configuration).await, Err(StoreError::Conflict(_))));
    configuration.name = "Renamed".into();
    configuration.sealed_secrets = vec![9];
    configuration.account_check = Some(AccountCheckRecord { success: true, error: None, checked_at: 2 });
    store.update_configuration(&configuration).await.unwrap();
    assert_eq!(store.get_configuration("cfg-1").await.unwrap().as_ref(), Some(&configuration));
    configuration.account_check = None;
    store.update_configuration(&configuration).await.unwrap();
    assert_eq!(store.list_configurations(None).await.unwrap(), vec![configuration.clone()]);
    assert_eq!(store.list_configurations(Some("m-1")).await.unwrap().len(), 1);
    assert!(store.list_configurations(Some("m-2")).await.unwrap().is_empty());
    store.delete_configuration("cfg-1").await.unwrap();
    assert!(store.get_configuration("cfg-1").await.unwrap().is_none());
    assert!(matches!(store.delete_configuration("cfg-1").await, Err(StoreError::NotFound { .. })));
}
