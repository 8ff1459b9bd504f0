//! `riposte demo`: the seed use case, live. A server, an external tool that records what it
//! receives, the "Synchronize Alerts with an external tool" playbook, and a few alerts.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::routing::post;
use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::DemoArgs;
use riposte_worker::RunLimits;

use crate::server::{Server, ServerOptions, wait_for_signal};

const SEED_PLAYBOOK: &str = include_str!("../../../examples/sync-alerts/playbook.json");

const SAMPLE_RULES: [(&str, i64); 3] =
    [("Mimikatz \"sekurlsa\" usage", 85), ("Suspicious PowerShell download cradle", 60), ("Brute force on SSH", 40)];

pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let temporary = match &args.data_dir {
        Some(_) => None,
        None => Some(tempfile_dir()?),
    };
    let data_dir = args.data_dir.clone().or_else(|| temporary.clone()).expect("a data directory");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(run_demo(&args, data_dir));
    if let Some(dir) = temporary {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("riposte-demo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn run_demo(args: &DemoArgs, data_dir: std::path::PathBuf) -> anyhow::Result<ExitCode> {
    let (tool_url, received) = start_external_tool().await?;
    let server = Server::start(ServerOptions {
        data_dir: data_dir.clone(),
        listen: args.listen.clone(),
        limits: RunLimits { max_runs: 256, max_runs_per_playbook: 256 },
        shutdown_grace: Duration::from_secs(5),
        secret_key: None,
        max_inline_output: riposte_worker::DEFAULT_MAX_INLINE_OUTPUT,
    })
    .await?;
    let api = Api { base: server.url(), key: server.admin_key.clone(), client: reqwest::Client::new() };

    let playbook = install_playbook(&api, &tool_url).await?;
    let mut alerts = Vec::new();
    for n in 0..args.alerts {
        let (rule, severity) = SAMPLE_RULES[n % SAMPLE_RULES.len()];
        let alert = api
            .call(
                Method::POST,
                "/api/v1/sic/alerts",
                Some(json!({"title": format!("Sample alert {}", n + 1), "rule": {"name": rule, "severity": severity}})),
            )
            .await?;
        alerts.push(alert);
    }
    let runs = wait_for_runs(&api, &playbook, args.alerts).await?;

    println!("Riposte demo: {}  (data in {})", api.base, data_dir.display());
    println!("Admin API key: {}  (also in {})\n", server.admin_key, data_dir.join("admin.key").display());
    println!("Playbook \"Synchronize Alerts with an external tool\" ({playbook}) is active.");
    println!(
        "Alerts created: {}",
        alerts.iter().map(|a| a["short_id"].as_str().unwrap_or_default()).collect::<Vec<_>>().join(", ")
    );
    println!("\nRuns:");
    for run in &runs {
        println!(
            "  {}  {:<34} {:<10} {} ms",
            run["uuid"].as_str().unwrap_or_default(),
            run["name"].as_str().unwrap_or_default(),
            run["status"].as_str().unwrap_or_default(),
            run["duration_ms"]
        );
    }
    let bodies = received.lock().expect("tool lock").clone();
    println!("\nThe external tool ({tool_url}) received {} request(s):", bodies.len());
    for body in &bodies {
        println!("  {body}");
    }
    println!("\nLook around (add `-H \"Authorization: Bearer <admin key>\"`):");
    println!("  {}/api/v1/sic/alerts", api.base);
    println!("  {}/api/v1/symphony/playbooks/{playbook}", api.base);
    println!("  {}/api/v1/symphony/runs?playbook_uuid={playbook}", api.base);
    if let Some(run) = runs.first() {
        println!("  {}/api/v1/symphony/runs/{}", api.base, run["uuid"].as_str().unwrap_or_default());
    }
    let all_succeeded = runs.iter().all(|r| r["status"] == "succeeded") && bodies.len() == args.alerts;
    if !args.exit {
        println!(
            "\nThe server keeps running: create alerts with POST {}/api/v1/sic/alerts. Ctrl-C stops it.",
            api.base
        );
        wait_for_signal().await;
    }
    server.stop().await?;
    Ok(if all_succeeded { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

struct Api {
    base: String,
    key: String,
    client: reqwest::Client,
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut request = self.client.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {body}");
        }
        Ok(body)
    }
}

/// Imports the seed playbook pointed at the external tool (a new version when it exists from an
/// earlier demo on the same data directory) and activates it.
async fn install_playbook(api: &Api, tool_url: &str) -> anyhow::Result<String> {
    let mut playbook: Value = serde_json::from_str(SEED_PLAYBOOK).context("the bundled playbook")?;
    playbook["nodes"]["2"]["arguments"]["url"] = json!(tool_url);
    let uuid = playbook["uuid"].as_str().unwrap_or_default().to_string();
    let path = format!("/api/v1/symphony/playbooks/{uuid}");
    if api.call(Method::GET, &path, None).await.is_ok() {
        api.call(Method::PUT, &path, Some(json!({"playbook": playbook}))).await?;
    } else {
        api.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await?;
    }
    api.call(Method::POST, &format!("{path}/activate"), None).await?;
    Ok(uuid)
}

async fn wait_for_runs(api: &Api, playbook: &str, count: usize) -> anyhow::Result<Vec<Value>> {
    let started = Instant::now();
    loop {
        let page = api
            .call(Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={playbook}&limit={count}"), None)
            .await?;
        let runs = page["items"].as_array().cloned().unwrap_or_default();
        if runs.len() >= count && runs.iter().all(|r| r["status"] != "pending" && r["status"] != "running") {
            return Ok(runs);
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the runs did not finish within a minute");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The "external tool": records each JSON body it receives.
async fn start_external_tool() -> anyhow::Result<(String, Arc<Mutex<Vec<String>>>)> {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let app = Router::new().route(
        "/sink",
        post(move |body: String| async move {
            sink.lock().expect("tool lock").push(body);
            axum::Json(json!({"received": true}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{address}/sink"), received))
}
