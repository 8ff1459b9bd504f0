//! `riposte module bench PATH`: what running an installed module's action as a process costs
//! (process start, protocol round trip) next to the built-in, in-process Request URL. Both
//! actions send the same POST to a local tool, one run at a time, through the real server.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use reqwest::Method;
use serde_json::{Value, json};

use super::install::{Options, install_module};
use super::python::PythonOptions;
use crate::cli::ModuleBenchArgs;
use crate::seed::{Api, DataDir, ExternalTool, Note, start_server_with_warm};

const MANUAL_TRIGGER: &str = "fc26eb9f-b272-4c15-b3bf-ace397c0dc57";
const SEKOIA_MODULE: &str = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";
/// In `--configuration` and `--arguments`, the URL of the local tool.
const TOOL_URL: &str = "{tool_url}";
/// Runs before measuring: caches warm, the module's binary in the page cache.
const WARM_UP: usize = 5;

pub fn bench(args: ModuleBenchArgs) -> anyhow::Result<ExitCode> {
    let data_dir = DataDir::new(None, "riposte-module-bench")?;
    let python = PythonOptions { python: args.python.clone(), env: args.python_env.clone() };
    let module = install_module(
        &args.path,
        &data_dir.path,
        &Options { debug: false, python: &python, replace_builtin: false },
        None,
    )?;
    let action = match &args.action {
        Some(name) => module.manifest.actions.iter().find(|a| &a.name == name || &a.docker_parameters == name),
        None => module.manifest.actions.first(),
    }
    .with_context(|| format!("module {} has no such action", module.manifest.name))?
    .clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let figures = runtime.block_on(async {
        let tool = ExternalTool::start(Note::Body).await?;
        let request = json!({"url": tool.url, "method": "post"});
        // `{tool_url}` is the local tool, for a module that sends somewhere (a webhook).
        let with_tool = |text: &str| text.replace(TOOL_URL, &tool.url);
        let configuration: Value =
            serde_json::from_str(&with_tool(&args.configuration)).context("--configuration is not JSON")?;
        let arguments = match &args.arguments {
            Some(given) => serde_json::from_str(&with_tool(given)).context("--arguments is not JSON")?,
            None => request.clone(),
        };
        let mut figures = json!({"runs": args.runs, "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)});
        // With warm workers (the default) when the module has them, then a process per action.
        let modes: &[(&str, usize)] = if module.launch.warm.is_some() {
            &[("installed", riposte_host::DEFAULT_WARM_WORKERS), ("installed_cold", 0)]
        } else {
            &[("installed", 0)]
        };
        for (index, (key, warm_workers)) in modes.iter().enumerate() {
            let server = start_server_with_warm(&data_dir.path, "127.0.0.1:0", 64, *warm_workers).await?;
            let api = Api::new(&server, reqwest::Client::new());
            if index == 0 {
                let builtin = json!({"module_uuid": riposte_modules::http::MODULE_UUID, "action_uuid": riposte_modules::http::REQUEST_URL_UUID});
                figures["in_process"] = measure(&api, "In-process Request URL", builtin, &request, args.runs).await?;
            }
            let account = api
                .call(
                    Method::POST,
                    "/api/v1/symphony/module-configurations",
                    Some(json!({"module_uuid": module.manifest.uuid, "name": "bench", "value": configuration})),
                )
                .await
                .context("the module configuration (give one with --configuration)")?;
            let installed = json!({"module_uuid": module.manifest.uuid, "action_uuid": action.uuid, "module_configuration_uuid": account["uuid"]});
            let name = format!("Installed {}", action.name);
            figures[*key] = measure(&api, &name, installed, &arguments, args.runs).await?;
            server.stop().await?;
        }
        // The installed action calls the tool too when its arguments are the default ones or
        // when it was pointed at the tool.
        let pointed = [Some(&args.configuration), args.arguments.as_ref()].into_iter().flatten().any(|t| t.contains(TOOL_URL));
        let callers = if args.arguments.is_none() || pointed { 1 + modes.len() } else { 1 };
        let expected = callers * (args.runs + WARM_UP);
        if tool.count() != expected {
            bail!("the tool received {} requests, not {expected}", tool.count());
        }
        let mean = |figures: &Value, key: &str| figures[key]["action_ms"]["mean"].as_f64().unwrap_or_default();
        figures["overhead_ms"] = json!(round(mean(&figures, "installed") - mean(&figures, "in_process")));
        if module.launch.warm.is_some() {
            figures["overhead_cold_ms"] = json!(round(mean(&figures, "installed_cold") - mean(&figures, "in_process")));
        }
        anyhow::Ok(figures)
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        print_figures(&module.manifest.name, &figures);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a playbook with one action, `runs` times one after another; figures of the action's
/// duration (as the run reports it) and of each run from request to end.
async fn measure(api: &Api, name: &str, action: Value, arguments: &Value, runs: usize) -> anyhow::Result<Value> {
    let mut node = json!({"name": name, "type": "action", "arguments": arguments, "outputs": {}});
    node.as_object_mut().expect("an object").extend(action.as_object().cloned().unwrap_or_default());
    let playbook = json!({"name": name, "nodes": {
        "0": {"name": "Manual Trigger", "type": "trigger", "module_uuid": SEKOIA_MODULE, "trigger_uuid": MANUAL_TRIGGER, "outputs": {"default": ["1"]}},
        "1": node,
    }});
    let created = api.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await?;
    let uuid = created["uuid"].as_str().context("no playbook uuid")?.to_string();
    let mut action_ms = Vec::with_capacity(runs);
    let mut run_ms = Vec::with_capacity(runs);
    for n in 0..WARM_UP + runs {
        let started = Instant::now();
        let run = api
            .call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/run"), Some(json!({"event": {}})))
            .await?;
        let run = finished(api, run["uuid"].as_str().context("no run uuid")?).await?;
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        if run["status"] != "succeeded" {
            bail!("{name}: a run {}: {}", run["status"], run["nodes"]["1"]["error"]);
        }
        if n >= WARM_UP {
            let node = &run["nodes"]["1"];
            action_ms.push(millis(&node["ended_at"])? - millis(&node["started_at"])?);
            run_ms.push(elapsed);
        }
    }
    Ok(json!({"action_ms": summary(&mut action_ms), "run_ms": summary(&mut run_ms)}))
}

fn millis(time: &Value) -> anyhow::Result<f64> {
    let text = time.as_str().context("a node without its times")?;
    Ok(chrono::DateTime::parse_from_rfc3339(text)?.timestamp_micros() as f64 / 1000.0)
}

/// The run once it has ended; polled often, so that the wait adds little to what is measured.
async fn finished(api: &Api, run: &str) -> anyhow::Result<Value> {
    loop {
        let detail = api.call(Method::GET, &format!("/api/v1/symphony/runs/{run}"), None).await?;
        if detail["status"] != "pending" && detail["status"] != "running" {
            return Ok(detail);
        }
        tokio::time::sleep(std::time::Duration::from_micros(200)).await;
    }
}

fn summary(values: &mut [f64]) -> Value {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values.get(((values.len().max(1) - 1) as f64 * q).round() as usize).copied().unwrap_or_default();
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    json!({"mean": round(mean), "p50": round(at(0.5)), "p90": round(at(0.9)), "p99": round(at(0.99))})
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn print_figures(module: &str, figures: &Value) {
    println!("{} runs one after another, one action each, {} cores", figures["runs"], figures["cores"]);
    let rows = [
        ("in-process Request URL".to_string(), "in_process"),
        (format!("installed {module} action"), "installed"),
        (format!("installed {module} action, a process per call"), "installed_cold"),
    ];
    for (label, key) in rows.iter().filter(|(_, key)| !figures[*key].is_null()) {
        let (action, run) = (&figures[*key]["action_ms"], &figures[*key]["run_ms"]);
        println!(
            "  {label}: action mean {} ms (p50 {}, p99 {}); whole run mean {} ms (p50 {}, p99 {})",
            action["mean"], action["p50"], action["p99"], run["mean"], run["p50"], run["p99"]
        );
    }
    println!("  overhead of the installed action: {} ms per call", figures["overhead_ms"]);
    if !figures["overhead_cold_ms"].is_null() {
        println!("  overhead with a process per call: {} ms per call", figures["overhead_cold_ms"]);
    }
}
