//! Playbooks through the HTTP API: saved with their problems, turned on, run by hand, by
//! schedule, and turned off when they keep failing.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use axum::http::StatusCode;
use reqwest::Method;
use riposte_testkit::{Sink, TestApp, playbooks};
use serde_json::{Value, json};

#[tokio::test]
async fn a_playbook_with_problems_is_saved_but_cannot_be_activated() {
    let server = TestApp::start().await;
    let mut playbook = playbooks::seed("http://127.0.0.1:1/sink");
    playbook["nodes"]["2"]["arguments"]["method"] = json!("fetch");
    let (status, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["problems"][0]["path"], "$.nodes[\"2\"].arguments.method");
    let uuid = created["uuid"].as_str().unwrap();
    let (status, refused) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["path"], "$.playbook.nodes[\"2\"].arguments.method");
    let (_, fixed) = server
        .call(
            Method::PUT,
            &format!("/api/v1/symphony/playbooks/{uuid}"),
            Some(json!({"playbook": playbooks::seed("http://127.0.0.1:1/sink")})),
        )
        .await;
    assert_eq!(fixed["version"], 2);
    let (status, active) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!((status, active["active"].clone()), (StatusCode::OK, json!(true)));
}

#[tokio::test]
async fn a_playbook_failing_five_times_in_a_row_is_turned_off_and_says_why() {
    let server = TestApp::start().await;
    let (sink_url, _sink) = Sink::start_with(std::time::Duration::ZERO, usize::MAX).await;
    let playbook = server.activated(playbooks::seed(&sink_url)).await;
    for n in 0..5 {
        server
            .call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": format!("t{n}"), "rule": {"name": "r"}})))
            .await;
        server.finished_runs(&playbook, n + 1).await;
    }
    let started = std::time::Instant::now();
    let record = loop {
        let (_, record) = server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{playbook}"), None).await;
        if record["active"] == false || started.elapsed() > std::time::Duration::from_secs(10) {
            break record;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(record["active"], false, "{record}");
    let reason = record["deactivation_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("deactivated after 5 failed runs in a row; last error: HTTP Request failed"),
        "{reason}"
    );
    server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "after", "rule": {"name": "r"}}))).await;
    let (_, runs) = server.call(Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={playbook}"), None).await;
    assert_eq!(runs["total"], 5, "an inactive playbook starts no run");
}

fn scheduled_playbook(sink: &str, cron: &str) -> Value {
    json!({"name": "Every second", "nodes": {
        "0": {"name": "Cron", "type": "trigger", "module_uuid": "1ad1b7ce-e335-4532-83ce-1d43c864720c",
              "trigger_uuid": "5039c9fe-b2d8-40b3-a11b-d2a810ddbf91", "arguments": {"cron": cron}, "outputs": {"default": ["1"]}},
        "1": {"name": "Tell", "type": "action", "module_uuid": "5894985f-91eb-46db-9306-cc5ac6463d3d",
              "action_uuid": "40bcf3c0-aa8b-4111-9b4e-f3caffccb4e5",
              "arguments": {"url": sink, "method": "post", "json": {"at": "{{ node.0.scheduled_at }}"}}, "outputs": {"default": []}}
    }})
}

#[tokio::test]
async fn a_cron_trigger_starts_one_run_per_scheduled_time() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let (_, bad) = server
        .call(
            Method::POST,
            "/api/v1/symphony/playbooks",
            Some(json!({"playbook": scheduled_playbook(&sink_url, "every minute")})),
        )
        .await;
    assert_eq!(bad["problems"][0]["path"], "$.nodes[\"0\"].arguments.cron", "{bad}");

    let (_, created) = server
        .call(
            Method::POST,
            "/api/v1/symphony/playbooks",
            Some(json!({"playbook": scheduled_playbook(&sink_url, "* * * * * *")})),
        )
        .await;
    let uuid = created["uuid"].as_str().unwrap().to_string();
    server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    let runs = server.finished_runs(&uuid, 2).await;
    server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/deactivate"), None).await;
    assert!(
        runs.iter().all(|r| r["status"] == "succeeded" && r["name"].as_str().unwrap().starts_with("Scheduled run: ")),
        "{runs:?}"
    );
    let times: Vec<String> = sink
        .bodies()
        .iter()
        .map(|body| serde_json::from_str::<Value>(body).unwrap()["at"].as_str().unwrap().to_string())
        .collect();
    let mut unique = times.clone();
    unique.dedup();
    assert_eq!(unique, times, "each scheduled time runs once");
}

#[tokio::test]
async fn a_playbook_can_be_run_by_hand_with_an_event() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let (_, alert) = server
        .call(
            Method::POST,
            "/api/v1/sic/alerts",
            Some(json!({"title": "t", "rule": {"name": "Handmade", "severity": 12}})),
        )
        .await;
    let mut playbook = playbooks::seed(&sink_url);
    playbook["nodes"]["0"]["name"] = json!("Manual Trigger");
    playbook["nodes"]["0"]["trigger_uuid"] = json!("fc26eb9f-b272-4c15-b3bf-ace397c0dc57");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    let uuid = created["uuid"].as_str().unwrap().to_string();
    let (status, run) = server
        .call(
            Method::POST,
            &format!("/api/v1/symphony/playbooks/{uuid}/run"),
            Some(json!({"event": {"alert_uuid": alert["uuid"]}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let runs = server.finished_runs(&uuid, 1).await;
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    let body: Value = serde_json::from_str(&sink.requests()[0].1).unwrap();
    assert_eq!((body["rule_name"].as_str(), body["rule_severity"].as_str()), (Some("Handmade"), Some("12")));
}

#[tokio::test]
async fn a_playbook_that_reads_a_deleted_node_activates_and_says_which() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let tell = playbooks::post_to(&sink_url, json!({"id": "{{ node.7 | default('none') }}"}));
    let playbook = playbooks::chain("Reads a deleted node", playbooks::manual_trigger(), vec![tell]);
    let (status, created) = server.post("/api/v1/symphony/playbooks", json!({"playbook": playbook})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["problems"], json!([]), "{created}");
    assert_eq!(created["warnings"][0]["path"], "$.nodes[\"1\"].arguments.json.id", "{created}");
    assert!(created["warnings"][0]["message"].as_str().unwrap().contains("no node `7`"), "{created}");
    let uuid = created["uuid"].as_str().unwrap();
    let (status, body) = server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = server.post(&format!("/api/v1/symphony/playbooks/{uuid}/run"), json!({"event": {}})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let runs = server.finished_runs(uuid, 1).await;
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    assert_eq!(sink.bodies(), vec![r#"{"id":"none"}"#.to_string()]);
}

#[tokio::test]
async fn a_draft_is_validated_without_being_saved() {
    let server = TestApp::start().await;
    let mut draft = playbooks::seed("http://127.0.0.1:1/sink");
    draft["nodes"]["2"]["arguments"]["method"] = json!("fetch");
    let (status, checked) =
        server.call(Method::POST, "/api/v1/symphony/playbooks/validate", Some(json!({"playbook": draft}))).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["problems"][0]["path"], "$.nodes[\"2\"].arguments.method");
    assert_eq!(checked["warnings"], json!([]));
    let (_, list) = server.call(Method::GET, "/api/v1/symphony/playbooks", None).await;
    assert_eq!(list["total"], 0, "validating stores nothing");

    let (status, checked) = server
        .call(
            Method::POST,
            "/api/v1/symphony/playbooks/validate",
            Some(json!({"playbook": playbooks::seed("http://127.0.0.1:1/sink")})),
        )
        .await;
    assert_eq!((status, checked["problems"].clone()), (StatusCode::OK, json!([])));
    let (status, refused) =
        server.call(Method::POST, "/api/v1/symphony/playbooks/validate", Some(json!({"playbook": {"nodes": 3}}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
}

#[tokio::test]
async fn each_saved_version_can_be_read_back() {
    let server = TestApp::start().await;
    let first = playbooks::seed("http://127.0.0.1:1/first");
    let (_, created) = server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": first}))).await;
    let uuid = created["uuid"].as_str().unwrap();
    let second = playbooks::seed("http://127.0.0.1:1/second");
    server.call(Method::PUT, &format!("/api/v1/symphony/playbooks/{uuid}"), Some(json!({"playbook": second}))).await;
    for (version, url) in [(1, "http://127.0.0.1:1/first"), (2, "http://127.0.0.1:1/second")] {
        let (status, read) =
            server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{uuid}/versions/{version}"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(read["version"], version);
        assert_eq!(read["playbook"]["nodes"]["2"]["arguments"]["url"], url);
    }
    let (status, missing) =
        server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{uuid}/versions/3"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
}

#[tokio::test]
async fn a_test_run_stores_nothing_and_mocked_blocks_answer_their_given_results() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let (_, alert) = server
        .call(
            Method::POST,
            "/api/v1/sic/alerts",
            Some(json!({"title": "t", "rule": {"name": "Beacon", "severity": 70}})),
        )
        .await;
    let draft = playbooks::seed(&sink_url);
    let body = json!({"playbook": draft, "event": {"alert_uuid": alert["uuid"]}, "mocks": {"2": {"status_code": 202}}});
    let (status, tested) = server.call(Method::POST, "/api/v1/symphony/playbooks/test", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{tested}");
    assert_eq!(tested["status"], "succeeded");
    assert_eq!(tested["mocked"], json!(["2"]));
    assert_eq!(tested["nodes"]["1"]["results"]["rule"]["name"], "Beacon", "Get Alert ran for real");
    assert_eq!(tested["nodes"]["2"]["results"], json!({"status_code": 202}));
    assert_eq!(
        tested["nodes"]["2"]["arguments"]["json"]["rule_name"], "Beacon",
        "the mocked block's arguments are rendered"
    );
    assert_eq!(sink.count(), 0, "the mocked Request URL called nothing");
    let (_, runs) = server.call(Method::GET, "/api/v1/symphony/runs", None).await;
    assert_eq!(runs["total"], 0, "a test run is not stored");

    // Without the mock, the draft's Request URL is called.
    let body = json!({"playbook": playbooks::seed(&sink_url), "event": {"alert_uuid": alert["uuid"]}});
    let (_, tested) = server.call(Method::POST, "/api/v1/symphony/playbooks/test", Some(body)).await;
    assert_eq!(tested["nodes"]["2"]["results"]["status_code"], 200, "{tested}");
    assert_eq!(sink.count(), 1);

    // "Test this block": Get Alert alone, on the trigger's event; what follows it does not run.
    let body =
        json!({"playbook": playbooks::seed(&sink_url), "event": {"alert_uuid": alert["uuid"]}, "stop_after": "1"});
    let (_, tested) = server.call(Method::POST, "/api/v1/symphony/playbooks/test", Some(body)).await;
    assert_eq!(tested["status"], "succeeded", "{tested}");
    assert_eq!(tested["nodes"]["1"]["results"]["rule"]["name"], "Beacon");
    assert!(tested["nodes"].get("2").is_none(), "{tested}");
    assert_eq!(sink.count(), 1, "the block after it was not called");

    // A draft that cannot run runs nothing and says why, each problem where the request has it.
    let mut broken = playbooks::seed(&sink_url);
    broken["nodes"]["2"]["arguments"]["method"] = json!("fetch");
    let cases = [
        (json!({"playbook": playbooks::seed(&sink_url), "mocks": {"9": {}}}), "$.mocks[\"9\"]"),
        (json!({"playbook": playbooks::seed(&sink_url), "mocks": {"0": {}}}), "$.mocks[\"0\"]"),
        (json!({"playbook": playbooks::seed(&sink_url), "trigger": "2"}), "$.trigger"),
        (json!({"playbook": playbooks::seed(&sink_url), "stop_after": "7"}), "$.stop_after"),
        (json!({"playbook": broken}), "$.playbook.nodes[\"2\"].arguments.method"),
    ];
    for (body, path) in cases {
        let (status, refused) = server.call(Method::POST, "/api/v1/symphony/playbooks/test", Some(body)).await;
        assert_eq!((status, refused["status"].clone()), (StatusCode::OK, json!("invalid")), "{refused}");
        assert_eq!(refused["problems"][0]["path"], path, "{refused}");
        assert_eq!(refused["nodes"], json!({}));
    }
    assert_eq!(sink.count(), 1, "nothing ran");
}

#[tokio::test]
async fn a_template_renders_against_given_outputs_and_a_missing_key_names_its_expression() {
    let server = TestApp::start().await;
    let nodes = json!({"1": {"rule": {"name": "Beacon", "severity": 70}}});
    let render = |template: Value, json_mode: bool| {
        let body = json!({"template": template, "nodes": nodes, "json": json_mode});
        server.call(Method::POST, "/api/v1/symphony/templates/render", Some(body))
    };
    let (status, rendered) = render(json!("{{ node.1.rule.severity }}"), false).await;
    assert_eq!((status, rendered["value"].clone()), (StatusCode::OK, json!(70)));
    let (_, rendered) = render(json!("{\"rule\": \"{{ node.1.rule.name }}\"}"), true).await;
    assert_eq!(rendered["value"], json!({"rule": "Beacon"}));
    let (status, failed) = render(json!("{{ node.1['rule']['nmae'] }}"), false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(failed.get("value").is_none(), "{failed}");
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("`node.1['rule']['nmae']`"), "{error}");
    let (_, null) = render(json!("{{ node.1.rule.nope | default(none) }}"), false).await;
    assert_eq!(null, json!({"value": null}), "a null value is a value");
}

#[tokio::test]
async fn a_template_that_builds_huge_values_is_stopped_with_its_reason() {
    let server = TestApp::start().await;
    let doubled = "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}";
    let kept = "{% set ns = namespace(l=[]) %}{% for i in range(40) %}{% set ns.l = ns.l + [('a' * 3000000) ~ i] %}{% endfor %}{{ ns.l|length }}";
    let cases = [
        (doubled.to_string() + "{{ ns.s|length }}", "`~` would build a value of 8.0 MiB"),
        ("{{ ([0] * 100000000)|length }}".to_string(), "`*` would build a value of"),
        ("{{ 'a' * 100000000 }}".to_string(), "`*` would build a value of 95.4 MiB"),
        (kept.to_string(), "it would hold more than 64.0 MiB of memory"),
    ];
    for (template, reason) in cases {
        let body = json!({"template": template, "nodes": {}});
        let (status, rendered) = server.call(Method::POST, "/api/v1/symphony/templates/render", Some(body)).await;
        assert_eq!(status, StatusCode::OK);
        let error = rendered["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("template stopped: ") && error.contains(reason), "{template}: {rendered}");
    }
    let (status, _) = server.call(Method::GET, "/health", None).await;
    assert_eq!(status, StatusCode::OK);
}

/// Every Community template has a fixed UUID: importing one again after deleting it works, and
/// the new playbook shows nothing of the deleted one. A deleted playbook's versions are not served.
#[tokio::test]
async fn a_deleted_playbook_uuid_can_be_imported_again_without_its_past() {
    let server = TestApp::start().await;
    let uuid = "0b0a9a62-5f0c-4b8e-9d57-3c2a35f7a3f1";
    let mut playbook = playbooks::seed("http://127.0.0.1:1/sink");
    playbook["uuid"] = json!(uuid);
    let (status, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
    assert_eq!((status, created["uuid"].clone()), (StatusCode::CREATED, json!(uuid)), "{created}");
    let path = format!("/api/v1/symphony/playbooks/{uuid}");
    server.call(Method::PUT, &path, Some(json!({"playbook": playbook.clone()}))).await;
    let (status, run) = server.call(Method::POST, &format!("{path}/run"), Some(json!({"event": {}}))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    server.finished_runs(uuid, 1).await;

    let (status, live) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{live}");
    assert_eq!(live["errors"][0]["path"], "$.playbook.uuid", "{live}");
    assert!(!live.to_string().to_lowercase().contains("constraint"), "no raw SQL error: {live}");

    assert_eq!(server.call(Method::DELETE, &path, None).await.0, StatusCode::NO_CONTENT);
    for gone in ["/versions/1", "/versions/2", "/versions"] {
        let (status, body) = server.call(Method::GET, &format!("{path}{gone}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{gone} of a deleted playbook: {body}");
    }

    playbook["name"] = json!("Imported again");
    let (status, again) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!((again["uuid"].clone(), again["version"].clone()), (json!(uuid), json!(3)), "numbered on: {again}");
    let (_, versions) = server.call(Method::GET, &format!("{path}/versions"), None).await;
    assert_eq!(versions["total"], 1, "{versions}");
    assert_eq!(versions["items"].as_array().unwrap().len(), 1, "{versions}");
    assert_eq!(versions["items"][0]["name"], "Imported again");
    let (status, _) = server.call(Method::GET, &format!("{path}/versions/1"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the deleted playbook's v1 is not the new one's");
    assert_eq!(server.call(Method::GET, &format!("{path}/versions/3"), None).await.0, StatusCode::OK);
    let run_path = format!("/api/v1/symphony/runs/{}", run["uuid"].as_str().unwrap());
    let (status, _) = server.call(Method::GET, &run_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the deleted playbook's runs went with it");
    let (_, runs) = server.call(Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={uuid}"), None).await;
    assert_eq!(runs["total"], 0, "{runs}");
}

const KEEPER_MODULE: &str = "b7f3f0a2-5d1e-4c8b-9a6f-3e2d1c0b9a87";
const KEEPER_TRIGGER: &str = "c4e2a1b0-8f7d-4e6c-b5a4-1d2e3f4a5b6c";

/// A module whose trigger writes down what its data folder holds when it starts, then keeps a
/// state file there until it is stopped, in the modules folder of the data directory `data`.
fn keeper_module_in(data: &std::path::Path) {
    let dir = data.join("modules/keeper");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = json!({"uuid": KEEPER_MODULE, "name": "Keeper", "slug": "keeper", "version": "1.0.0"});
    let trigger = json!({"uuid": KEEPER_TRIGGER, "name": "Keep", "docker_parameters": "keep",
        "arguments": {"type": "object"}, "results": {"type": "object"}});
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    std::fs::write(dir.join("trigger_keep.json"), trigger.to_string()).unwrap();
    std::fs::write(dir.join("riposte-module.json"), r#"{"command": ["sh", "run.sh"]}"#).unwrap();
    let script = "cd \"$RIPOSTE_DATA_PATH\" || exit 1\nfound=$(ls)\necho \"$found\" > found-at-start\n\
                  while true; do date >> state; sleep 0.2; done\n";
    std::fs::write(dir.join("run.sh"), script).unwrap();
}

/// A Community template keeps its UUID: imported again after it was deleted, its trigger starts
/// with none of the files the deleted playbook's trigger kept (state, cursors).
#[tokio::test]
async fn a_deleted_playbook_s_trigger_data_goes_with_it() {
    let server = TestApp::start_with(|options| keeper_module_in(&options.data_dir)).await;
    let uuid = "5b0c4f9e-6a57-4d8e-9f0e-2b1d7c3a9e41";
    let trigger = json!({"name": "Keep", "type": "trigger", "module_uuid": KEEPER_MODULE,
        "trigger_uuid": KEEPER_TRIGGER, "arguments": {}});
    let mut playbook = playbooks::chain("Keeps state", trigger, vec![]);
    playbook["uuid"] = json!(uuid);
    let path = format!("/api/v1/symphony/playbooks/{uuid}");
    let folder = server.dir().join("module-data/components").join(format!("playbook_{uuid}"));
    let start = async || {
        let (status, created) =
            server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let (status, active) = server.call(Method::POST, &format!("{path}/activate"), None).await;
        assert_eq!(status, StatusCode::OK, "{active}");
        riposte_testkit::until("the trigger's state", || folder.join("state").exists()).await;
        std::fs::read_to_string(folder.join("found-at-start")).unwrap()
    };
    assert_eq!(start().await.trim(), "");

    assert_eq!(server.call(Method::DELETE, &path, None).await.0, StatusCode::NO_CONTENT);
    assert!(!folder.exists(), "the trigger's folder goes with its playbook");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(!folder.exists(), "the trigger had stopped: nothing writes there again");

    // What a server stopped before it could remove goes when the UUID is taken again.
    std::fs::create_dir_all(folder.join("cursor")).unwrap();
    assert_eq!(start().await.trim(), "", "the new playbook's trigger starts with an empty folder");
}

const LOOKUP_MODULE: &str = "2f8ad4f8-7740-4ce9-ab1d-9903d79c0739";
const LOOKUP_ACTION: &str = "5d7a3c1e-1b7e-4b1f-9a39-4a44f1d6c0a2";

/// A module, slug `ipinfo.io` as Sekoia's, whose configuration requires an `api_token`, in the
/// modules folder of the data directory `data`.
fn lookup_module_in(data: &std::path::Path) {
    let dir = data.join("modules/ipinfo.io");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = json!({"uuid": LOOKUP_MODULE, "name": "IPInfo", "slug": "ipinfo.io", "version": "1.2.0",
        "configuration": {"type": "object", "properties": {"api_token": {"type": "string"}},
                          "required": ["api_token"], "secrets": ["api_token"]}});
    let action = json!({"uuid": LOOKUP_ACTION, "name": "Lookup", "docker_parameters": "lookup",
        "arguments": {"type": "object"}, "results": {"type": "object"}});
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    std::fs::write(dir.join("action_lookup.json"), action.to_string()).unwrap();
    std::fs::write(dir.join("riposte-module.json"), r#"{"command": ["sh", "run.sh"]}"#).unwrap();
}

/// A block of a module that needs a configuration and names none would fail at each run: the
/// playbook saves with the problem at that block, and turns on once the block names an account.
#[tokio::test]
async fn a_block_whose_module_needs_an_account_names_one_before_the_playbook_turns_on() {
    let server = TestApp::start_with(|options| lookup_module_in(&options.data_dir)).await;
    let lookup = playbooks::action("Lookup", LOOKUP_MODULE, LOOKUP_ACTION, json!({}));
    let mut playbook = playbooks::chain("Needs an account", playbooks::manual_trigger(), vec![lookup]);
    let path = "$.nodes[\"1\"].module_configuration_uuid";

    let (status, checked) =
        server.call(Method::POST, "/api/v1/symphony/playbooks/validate", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    let problem = checked["problems"].as_array().unwrap().iter().find(|p| p["path"] == path).cloned();
    let problem = problem.unwrap_or_else(|| panic!("the draft's problems name the block: {checked}"));
    assert_eq!(problem["node"], "1");
    assert!(problem["message"].as_str().unwrap().contains("api_token"), "{problem}");

    let (status, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
    assert_eq!(status, StatusCode::CREATED, "saved all the same: {created}");
    assert_eq!(created["problems"][0]["path"], path, "{created}");
    let uuid = created["uuid"].as_str().unwrap();
    let (status, refused) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["path"], "$.playbook.nodes[\"1\"].module_configuration_uuid", "{refused}");

    let account = json!({"module_uuid": LOOKUP_MODULE, "name": "Token", "value": {"api_token": "t0ken"}});
    let (status, account) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(account)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    playbook["nodes"]["1"]["module_configuration_uuid"] = account["uuid"].clone();
    let (_, saved) = server
        .call(Method::PUT, &format!("/api/v1/symphony/playbooks/{uuid}"), Some(json!({"playbook": playbook})))
        .await;
    assert_eq!(saved["problems"], json!([]), "{saved}");
    let (status, active) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::OK, "{active}");
}

#[tokio::test]
async fn the_versions_are_listed_newest_first_in_pages() {
    let server = TestApp::start().await;
    let mut playbook = playbooks::seed("http://127.0.0.1:1/sink");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
    let uuid = created["uuid"].as_str().unwrap();
    for name in ["second", "third"] {
        playbook["name"] = json!(name);
        server
            .call(Method::PUT, &format!("/api/v1/symphony/playbooks/{uuid}"), Some(json!({"playbook": playbook})))
            .await;
    }
    let (status, list) = server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{uuid}/versions"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 3);
    let versions: Vec<(i64, String, bool)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["name"].as_str().unwrap().to_string(), v["current"] == true))
        .collect();
    assert_eq!(
        versions,
        vec![
            (3, "third".into(), true),
            (2, "second".into(), false),
            (1, "Synchronize Alerts with an external tool".into(), false)
        ]
    );
    assert_eq!(list["items"][0]["blocks"], 3);
    let (_, page) =
        server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{uuid}/versions?offset=1&limit=1"), None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["version"], 2);
}

#[tokio::test]
async fn an_edit_of_an_older_version_is_not_saved_over_a_newer_one() {
    let server = TestApp::start().await;
    let playbook = playbooks::seed("http://127.0.0.1:1/sink");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
    let path = format!("/api/v1/symphony/playbooks/{}", created["uuid"].as_str().unwrap());
    let (status, saved) =
        server.call(Method::PUT, &path, Some(json!({"playbook": playbook.clone(), "base_version": 1}))).await;
    assert_eq!((status, saved["version"].clone()), (StatusCode::OK, json!(2)));
    let (status, refused) =
        server.call(Method::PUT, &path, Some(json!({"playbook": playbook.clone(), "base_version": 1}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused["errors"][0]["detail"].as_str().unwrap().contains("saved as v2 since v1"), "{refused}");
    let (_, current) = server.call(Method::GET, &path, None).await;
    assert_eq!(current["version"], 2, "nothing was saved");
    let (status, forced) = server.call(Method::PUT, &path, Some(json!({"playbook": playbook}))).await;
    assert_eq!((status, forced["version"].clone()), (StatusCode::OK, json!(3)), "without base_version, it is saved");
}

#[tokio::test]
async fn a_base_version_of_zero_is_refused() {
    let server = TestApp::start().await;
    let playbook = playbooks::seed("http://127.0.0.1:1/sink");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
    let path = format!("/api/v1/symphony/playbooks/{}", created["uuid"].as_str().unwrap());
    let (status, refused) =
        server.call(Method::PUT, &path, Some(json!({"playbook": playbook, "base_version": 0}))).await;
    assert_eq!(
        (status, refused["errors"][0]["path"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("$.base_version"))
    );
}

#[tokio::test]
async fn a_node_naming_a_configuration_of_another_module_is_refused() {
    let server = TestApp::start().await;
    let account = json!({"module_uuid": playbooks::SEKOIA_MODULE, "name": "Admin",
        "value": {"base_url": "https://api.sekoia.io", "api_key": "adm1n-k3y-value"}});
    let (status, account) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(account)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let mut playbook = playbooks::seed("http://127.0.0.1:1/sink");
    playbook["nodes"]["1"]["module_configuration_uuid"] = account["uuid"].clone();
    let (status, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
    assert_eq!(status, StatusCode::CREATED, "Get Alert takes its own module's configuration: {created}");
    let uuid = created["uuid"].as_str().unwrap();

    // Request URL is another module: it would be handed the Sekoia.io API key.
    playbook["nodes"]["2"]["module_configuration_uuid"] = account["uuid"].clone();
    let path = "$.playbook.nodes[\"2\"].module_configuration_uuid";
    for (method, route) in [
        (Method::POST, "/api/v1/symphony/playbooks".to_string()),
        (Method::PUT, format!("/api/v1/symphony/playbooks/{uuid}")),
        (Method::POST, "/api/v1/symphony/playbooks/test".to_string()),
    ] {
        let (status, refused) = server.call(method, &route, Some(json!({"playbook": playbook.clone()}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{route}: {refused}");
        assert_eq!(refused["errors"][0]["path"], path, "{refused}");
        assert!(refused["errors"][0]["detail"].as_str().unwrap().contains("belongs to module"), "{refused}");
    }
}

/// A Sekoia playbook comes with its blocks' configuration UUIDs from elsewhere: it saves, with
/// the block that names one this server does not have as a problem, and turns on once the block
/// names one of this server's.
#[tokio::test]
async fn a_block_naming_a_configuration_the_server_does_not_have_is_a_problem_until_it_names_one() {
    let server = TestApp::start().await;
    let mut playbook = playbooks::seed("http://127.0.0.1:1/sink");
    playbook["nodes"]["1"]["module_configuration_uuid"] = json!("7f3c2a10-5b1e-4c8d-9e2f-0a1b2c3d4e5f");
    let path = "$.nodes[\"1\"].module_configuration_uuid";

    let (status, checked) =
        server.call(Method::POST, "/api/v1/symphony/playbooks/validate", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    let problem = checked["problems"].as_array().unwrap().iter().find(|p| p["path"] == path).cloned();
    let problem = problem.unwrap_or_else(|| panic!("the draft's problems name the block: {checked}"));
    assert_eq!(problem["node"], "1");
    assert!(problem["message"].as_str().unwrap().contains("7f3c2a10-5b1e-4c8d-9e2f-0a1b2c3d4e5f"), "{problem}");

    let (status, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook.clone()}))).await;
    assert_eq!(status, StatusCode::CREATED, "saved all the same: {created}");
    assert_eq!(created["problems"][0]["path"], path, "{created}");
    let uuid = created["uuid"].as_str().unwrap();
    let (status, refused) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["path"], "$.playbook.nodes[\"1\"].module_configuration_uuid", "{refused}");

    let account = json!({"module_uuid": playbooks::SEKOIA_MODULE, "name": "Admin",
        "value": {"base_url": "https://api.sekoia.io", "api_key": "adm1n-k3y-value"}});
    let (status, account) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(account)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    playbook["nodes"]["1"]["module_configuration_uuid"] = account["uuid"].clone();
    let (_, saved) = server
        .call(Method::PUT, &format!("/api/v1/symphony/playbooks/{uuid}"), Some(json!({"playbook": playbook})))
        .await;
    assert_eq!(saved["problems"], json!([]), "{saved}");
    let (status, active) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::OK, "{active}");
}

/// The playbook list is paged, searched, filtered and sorted by the server, and can leave each
/// playbook's definition out: a list page takes summaries.
#[tokio::test]
async fn the_list_is_searched_filtered_sorted_and_summarised_by_the_server() {
    let server = TestApp::start().await;
    for name in ["Sync alerts", "Block IP", "sync users", "Triage"] {
        let mut playbook = playbooks::seed("http://127.0.0.1:9/sink");
        playbook["uuid"] = Value::Null;
        playbook["name"] = json!(name);
        let (status, made) = server.post("/api/v1/symphony/playbooks", json!({"playbook": playbook})).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        if name == "Triage" {
            let path = format!("/api/v1/symphony/playbooks/{}/activate", made["uuid"].as_str().unwrap());
            assert_eq!(server.call(Method::POST, &path, None).await.0, StatusCode::OK);
        }
    }
    let names = |list: &Value| -> Vec<String> {
        list["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
    };
    let (status, list) = server.call(Method::GET, "/api/v1/symphony/playbooks?search=SYNC&sort=name", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!((names(&list), list["total"].clone()), (vec!["Sync alerts".into(), "sync users".into()], json!(2)));
    assert!(list["items"][0]["playbook"]["nodes"].is_object(), "the whole definition by default");

    let (_, list) =
        server.call(Method::GET, "/api/v1/symphony/playbooks?summary=true&limit=2&offset=1&sort=name", None).await;
    assert_eq!((names(&list), list["total"].clone()), (vec!["Sync alerts".into(), "sync users".into()], json!(4)));
    let item = &list["items"][0];
    assert!(item.get("playbook").is_none(), "no definition in a summary: {item}");
    assert_eq!(
        (item["nodes"].clone(), item["version"].clone(), item["problems"].clone()),
        (json!(3), json!(1), json!([]))
    );

    let (_, on) = server.call(Method::GET, "/api/v1/symphony/playbooks?active=true&summary=true", None).await;
    assert_eq!(names(&on), vec!["Triage".to_string()]);
    let (_, off) = server.call(Method::GET, "/api/v1/symphony/playbooks?active=false&summary=true", None).await;
    assert_eq!(off["total"], 3);
    let (_, none) = server.call(Method::GET, "/api/v1/symphony/playbooks?search=100%25_", None).await;
    assert_eq!(none["total"], 0);

    let long = "x".repeat(201);
    for (query, says) in
        [(format!("search={long}"), "at most 200"), ("sort=oldest".into(), "sort"), ("active=maybe".into(), "active")]
    {
        let (status, refused) = server.call(Method::GET, &format!("/api/v1/symphony/playbooks?{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {refused}");
        assert!(refused.to_string().contains(says), "{query}: {refused}");
    }
}
