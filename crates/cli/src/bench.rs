//! `riposte bench`: the server end to end on this machine. Alerts go in through the API; each
//! starts the seed playbook (Alert Created -> Get Alert -> Request URL), whose request lands at a
//! local external tool. Latency is from sending the alert to the tool receiving the request.
//!
//! What the bench keeps per alert lives only while the alert is in flight, so that a long soak
//! measures the server's memory and latency, not the bench's bookkeeping.

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
    let runtime = crate::memory::runtime()?;
    let figures = runtime.block_on(run_bench(&args, &data_dir.path))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        print_figures(&args, &figures);
    }
    Ok(ExitCode::SUCCESS)
}

/// Alerts in flight, by UUID, and the latencies of those that arrived, by window of sending.
struct Matcher {
    started: Instant,
    window: Duration,
    state: Mutex<MatchState>,
}

#[derive(Default)]
struct MatchState {
    /// When each alert was sent, and its window.
    sent: HashMap<String, (Instant, usize)>,
    /// Arrived before their creation was answered.
    early: HashMap<String, Instant>,
    latencies: Vec<Vec<f32>>,
}

impl Matcher {
    fn new(window: Duration) -> Self {
        Matcher { started: Instant::now(), window, state: Mutex::default() }
    }

    /// `window`: the window the alert belongs to; when it was sent, when None.
    fn sent(&self, uuid: String, at: Instant, window: Option<usize>) {
        let window = window
            .unwrap_or_else(|| (at.duration_since(self.started).as_secs_f64() / self.window.as_secs_f64()) as usize);
        let mut state = self.state.lock().expect("matcher lock");
        match state.early.remove(&uuid) {
            Some(arrived) => record(&mut state, window, at, arrived),
            None => {
                state.sent.insert(uuid, (at, window));
            }
        }
    }

    fn arrived(&self, uuid: &str, at: Instant) {
        let mut state = self.state.lock().expect("matcher lock");
        match state.sent.remove(uuid) {
            Some((sent, window)) => record(&mut state, window, sent, at),
            None => {
                state.early.insert(uuid.to_string(), at);
            }
        }
    }

    /// Every latency, and each window's, sorted.
    fn latencies(&self) -> (Vec<f32>, Vec<Vec<f32>>) {
        let state = self.state.lock().expect("matcher lock");
        let mut windows = state.latencies.clone();
        windows.iter_mut().for_each(|w| w.sort_by(f32::total_cmp));
        let mut all: Vec<f32> = windows.concat();
        all.sort_by(f32::total_cmp);
        (all, windows)
    }
}

fn record(state: &mut MatchState, window: usize, sent: Instant, arrived: Instant) {
    if state.latencies.len() <= window {
        state.latencies.resize_with(window + 1, Vec::new);
    }
    state.latencies[window].push((arrived.duration_since(sent).as_secs_f64() * 1000.0) as f32);
}

async fn run_bench(args: &BenchArgs, data_dir: &std::path::Path) -> anyhow::Result<Value> {
    let alerts = match (args.seconds, args.rate) {
        (Some(seconds), Some(rate)) => (seconds * u64::from(rate)) as usize,
        _ => args.alerts,
    };
    let window = Duration::from_secs(args.window.max(1));
    let matcher = Arc::new(Matcher::new(window));
    let arrivals = matcher.clone();
    let tool = ExternalTool::start(Note::Arrival(Arc::new(move |id, at| arrivals.arrived(id, at)))).await?;
    let server = start_server(data_dir, "127.0.0.1:0", 1024).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).build()?;
    let api = Api::new(&server, client.clone());
    api.install_seed_playbook(&tool.url).await.context("installing the playbook")?;
    // The load costs as little as it can, so that the figures are the server's: the address and
    // key are prepared once, and of each answer only the alert's UUID is read.
    let alerts_url = reqwest::Url::parse(&format!("{}/api/v1/sic/alerts", api.base))?;
    let authorization = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", api.key))?;

    let memory = tokio::spawn(sample_memory(window, alerts_in(args, alerts)));
    let slots = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let cpu_before = cpu_seconds();
    let started = matcher.started;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..alerts {
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
        let matcher = matcher.clone();
        // Paced, an alert belongs to the window it is due in, however late it goes out.
        let window = args.rate.map(|rate| n / (rate as usize * window.as_secs() as usize).max(1));
        tasks.spawn(async move {
            let t0 = Instant::now();
            let response = request.send().await;
            drop(permit);
            matcher.sent(created_alert_uuid(response).await?, t0, window);
            Ok::<(), String>(())
        });
        while let Some(done) = tasks.try_join_next() {
            done?.map_err(|e| anyhow::anyhow!("creating an alert failed: {e}"))?;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done?.map_err(|e| anyhow::anyhow!("creating an alert failed: {e}"))?;
    }
    let accepted_in = started.elapsed();
    while tool.count() < alerts {
        if started.elapsed() > accepted_in + Duration::from_secs(600) {
            bail!("only {} of {alerts} runs reached the tool 10 minutes after the last alert", tool.count());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let total = started.elapsed();
    let cpu_per_run_us =
        cpu_seconds().zip(cpu_before).map(|(after, before)| ((after - before) / alerts as f64 * 1e6).round());
    let (latencies, windows) = matcher.latencies();
    let rss = memory.await.unwrap_or_default();
    server.stop().await?;
    let windows: Vec<Value> = windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            json!({
                "from_s": i as u64 * window.as_secs(),
                "runs": w.len(),
                "latency_ms": {"p50": percentile(w, 0.50), "p99": percentile(w, 0.99)},
                "rss_mb": rss.get(i).copied(),
            })
        })
        .collect();
    Ok(json!({
        "alerts": alerts,
        "rate": args.rate,
        "concurrency": args.concurrency,
        "alerts_accepted_per_s": alerts as f64 / accepted_in.as_secs_f64(),
        "runs_per_s": alerts as f64 / total.as_secs_f64(),
        "seconds": total.as_secs_f64(),
        "latency_ms": {"p50": percentile(&latencies, 0.50), "p90": percentile(&latencies, 0.90), "p99": percentile(&latencies, 0.99), "max": percentile(&latencies, 1.0)},
        "cpu_per_run_us": cpu_per_run_us,
        "peak_rss_mb": peak_rss_mb(),
        "windows": if args.seconds.is_some() { Value::Array(windows) } else { Value::Null },
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    }))
}

/// How long sending takes, when it is paced.
fn alerts_in(args: &BenchArgs, alerts: usize) -> Option<Duration> {
    args.rate.map(|rate| Duration::from_secs_f64(alerts as f64 / f64::from(rate.max(1))))
}

/// Resident memory at the end of each window while alerts are sent.
async fn sample_memory(window: Duration, sending: Option<Duration>) -> Vec<f64> {
    let Some(sending) = sending else { return Vec::new() };
    let mut samples = Vec::new();
    let started = tokio::time::Instant::now();
    while started.elapsed() < sending {
        tokio::time::sleep(window.min(sending.saturating_sub(started.elapsed()))).await;
        samples.push(rss_mb().unwrap_or_default());
    }
    samples
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

fn percentile(sorted: &[f32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    (f64::from(sorted[index]) * 100.0).round() / 100.0
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
    status_mb("VmHWM:")
}

/// Resident memory of this process now.
fn rss_mb() -> Option<f64> {
    status_mb("VmRSS:")
}

fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 =
        status.lines().find_map(|l| l.strip_prefix(field))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

fn print_figures(args: &BenchArgs, figures: &Value) {
    let pace = args.rate.map(|r| format!("at {r} alerts/s")).unwrap_or_else(|| "as fast as possible".into());
    println!("{} alerts {pace}, {} in flight, {} cores", figures["alerts"], args.concurrency, figures["cores"]);
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
    let Some(windows) = figures["windows"].as_array().filter(|w| !w.is_empty()) else { return };
    println!("  by window (alerts sent from): runs, p50, p99, memory at its end");
    for w in windows {
        println!(
            "    {:>5} s: {:>6} runs, p50 {:>6} ms, p99 {:>6} ms, {} MB",
            w["from_s"], w["runs"], w["latency_ms"]["p50"], w["latency_ms"]["p99"], w["rss_mb"]
        );
    }
    let (first, last) = (&windows[0], &windows[windows.len() - 1]);
    println!(
        "  last window against the first: p99 {} -> {} ms, memory {} -> {} MB",
        first["latency_ms"]["p99"], last["latency_ms"]["p99"], first["rss_mb"], last["rss_mb"]
    );
}
