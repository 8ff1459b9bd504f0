//! `riposte demo`: the seed use case, live. A server, an external tool that records what it
//! receives, the "Synchronize Alerts with an external tool" playbook, and a few alerts.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::DemoArgs;
use crate::seed::{Api, DataDir, ExternalTool, Note, start_server};
use crate::server::wait_for_signal;

const SAMPLE_RULES: [(&str, i64); 3] =
    [("Mimikatz \"sekurlsa\" usage", 85), ("Suspicious PowerShell download cradle", 60), ("Brute force on SSH", 40)];

pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::new(args.data_dir.as_deref(), "riposte-demo")?;
    let runtime = crate::memory::runtime()?;
    runtime.block_on(run_demo(&args, &data_dir.path))
}

async fn run_demo(args: &DemoArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let tool = ExternalTool::start(Note::Body).await?;
    let server = start_server(data_dir, &args.listen, 256).await?;
    let api = Api::new(&server, reqwest::Client::new());
    let playbook = api.install_seed_playbook(&tool.url).await?;
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
    println!("Admin API key: {}  (also in {})", server.admin_key, data_dir.join("admin.key").display());
    println!("Console: {}/ui/playbooks/{playbook}/runs  (log in with the admin key)\n", api.base);
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
    let bodies = tool.bodies();
    println!("\nThe external tool ({}) received {} request(s):", tool.url, bodies.len());
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
