//! `riposte bench`: the server end to end on this machine. Alerts go in through the API; each
//! starts the seed playbook (Alert Created -> Get Alert -> Request URL), whose request lands at a
//! local external tool. Latency is from sending the alert to the tool receiving the request.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::cli::BenchArgs;
use crate::seed::{Api, DataDir, ExternalTool, Note, start_server};

pub fn bench(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::new(args.data_dir.as_deref(), "riposte-bench")?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let figures = runtime.block_on(run_bench(&args, &data_dir.path))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        print_figures(&args, &figures);
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_bench(args: &BenchArgs, data_dir: &std::path::Path) -> anyhow::Result<Value> {
    let tool = ExternalTool::start(Note::AlertId).await?;
    let server = start_server(data_dir, "127.0.0.1:0", 1024).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).build()?;
    let api = Api::new(&server, client.clone());
    api.install_seed_playbook(&tool.url).await.context("installing the playbook")?;
    // The load costs as little as it can, so that the figures are the server's: the address and
    // key are prepared once, and of each answer only the alert's UUID is read.
    let alerts_url = reqwest::Url::parse(&format!("{}/api/v1/sic/alerts", api.base))?;
    let authorization = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", api.key))?;

    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let slots = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..args.alerts {
        if let Some(rate) = args.rate {
            let due = started + Duration::from_secs_f64(n as f64 / f64::from(rate.max(1)));
            tokio::time::sleep_until(due.into()).await;
        }
        let permit = slots.clone().acquire_owned().await?;
        let request = client
            .post(alerts_url.clone())
            .header(reqwest::header::AUTHORIZATION, authorization.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(format!(r#"{{"title": "bench {n}", "rule": {{"name": "Bench rule", "severity": 50}}}}"#));
        let sent = sent.clone();
        tasks.spawn(async move {
            let t0 = Instant::now();
            let response = request.send().await;
            drop(permit);
            let uuid = created_alert_uuid(response).await?;
            sent.lock().expect("lock").insert(uuid, t0);
            Ok::<(), String>(())
        });
        // Finished creations are collected as they go: kept until the end, they would count
        // as the server's memory.
        while let Some(done) = tasks.try_join_next() {
            done?.map_err(|e| anyhow::anyhow!("creating an alert failed: {e}"))?;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done?.map_err(|e| anyhow::anyhow!("creating an alert failed: {e}"))?;
    }
    let accepted_in = started.elapsed();
    while tool.count() < args.alerts {
        if started.elapsed() > Duration::from_secs(600) {
            bail!("only {} of {} runs reached the tool in 10 minutes", tool.count(), args.alerts);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let total = started.elapsed();
    let cpu_per_run_us =
        cpu_seconds().zip(cpu_before).map(|(after, before)| ((after - before) / args.alerts as f64 * 1e6).round());
    let latencies = latencies(&sent.lock().expect("lock"), &arrivals(&tool));
    server.stop().await?;
    Ok(json!({
        "alerts": args.alerts,
        "rate": args.rate,
        "concurrency": args.concurrency,
        "alerts_accepted_per_s": args.alerts as f64 / accepted_in.as_secs_f64(),
        "runs_per_s": args.alerts as f64 / total.as_secs_f64(),
        "seconds": total.as_secs_f64(),
        "latency_ms": {"p50": percentile(&latencies, 0.50), "p90": percentile(&latencies, 0.90), "p99": percentile(&latencies, 0.99), "max": percentile(&latencies, 1.0)},
        "cpu_per_run_us": cpu_per_run_us,
        "peak_rss_mb": peak_rss_mb(),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    }))
}

/// The UUID of the alert a creation answered with, or what went wrong.
async fn created_alert_uuid(response: reqwest::Result<reqwest::Response>) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Created {
        uuid: String,
    }
    let response = response.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    serde_json::from_slice::<Created>(&body).map(|c| c.uuid).map_err(|e| format!("no alert uuid in the answer: {e}"))
}

fn latencies(sent: &HashMap<String, Instant>, arrivals: &HashMap<String, Instant>) -> Vec<f64> {
    let mut all: Vec<f64> = sent
        .iter()
        .filter_map(|(uuid, t0)| arrivals.get(uuid).map(|t1| t1.duration_since(*t0).as_secs_f64() * 1000.0))
        .collect();
    all.sort_by(f64::total_cmp);
    all
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    (sorted[index] * 100.0).round() / 100.0
}

/// CPU time this process has used (user and system, every thread), from Linux's
/// `/proc/self/stat`; none elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / CLOCK_TICKS_PER_SECOND)
}

/// Linux's `USER_HZ`, the unit of `/proc` CPU times, on every architecture Riposte builds for.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// Peak resident memory of this process (server, client and tool together), from Linux's
/// `VmHWM`; none elsewhere.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 =
        status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

/// When the first request about each alert reached the tool.
fn arrivals(tool: &ExternalTool) -> HashMap<String, Instant> {
    let mut first = HashMap::new();
    for (at, short_id) in tool.received.lock().expect("tool lock").iter() {
        first.entry(short_id.clone()).or_insert(*at);
    }
    first
}

fn print_figures(args: &BenchArgs, figures: &Value) {
    let pace = args.rate.map(|r| format!("at {r} alerts/s")).unwrap_or_else(|| "as fast as possible".into());
    println!("{} alerts {pace}, {} in flight, {} cores", args.alerts, args.concurrency, figures["cores"]);
    println!("  alerts accepted: {:.0}/s", figures["alerts_accepted_per_s"].as_f64().unwrap_or_default());
    println!(
        "  runs completed:  {:.0}/s ({:.2} s in all)",
        figures["runs_per_s"].as_f64().unwrap_or_default(),
        figures["seconds"].as_f64().unwrap_or_default()
    );
    let l = &figures["latency_ms"];
    println!(
        "  alert -> external tool latency: p50 {} ms, p90 {} ms, p99 {} ms, max {} ms",
        l["p50"], l["p90"], l["p99"], l["max"]
    );
    println!("  CPU per run (server, client and tool): {} µs", figures["cpu_per_run_us"]);
    println!("  peak memory (server, client and tool): {} MB", figures["peak_rss_mb"]);
}
