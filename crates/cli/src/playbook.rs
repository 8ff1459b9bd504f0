use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use riposte_engine::{Diagnostic, Plan};
use riposte_model::{Playbook, RunStatus};
use riposte_worker::{Executor, LocalRunner};
use tokio_util::sync::CancellationToken;

use crate::cli::{RunArgs, ValidateArgs};
use crate::{local_modules, module_config, report};

pub fn validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let registry = local_modules::registry(args.data_dir.as_deref(), None)?;
    let checked = match load(&args.file)? {
        Ok(playbook) => riposte_engine::check(&playbook, &registry.catalogue()),
        Err(problem) => riposte_engine::Checked { problems: vec![problem], ..Default::default() },
    };
    let problems = checked.problems;
    print_problems(&args.file.display().to_string(), &problems, &checked.warnings, args.json);
    Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let module_data = crate::seed::DataDir::new(None, "riposte-run")?;
    let host = match &args.data_dir {
        Some(_) => Some(runtime.block_on(local_modules::host(&module_data.path))?),
        None => None,
    };
    let registry = local_modules::registry(args.data_dir.as_deref(), host)?;
    let catalogue = registry.catalogue();
    let configurations = module_config::load(&args.module_configs, &catalogue)?;
    let event = module_config::read_object(&args.event).context("--event")?;
    let name = args.file.display().to_string();
    let plan = match load(&args.file)?.map_err(|p| vec![p]).and_then(|p| Plan::build(&p, &catalogue)) {
        Ok(plan) => plan,
        Err(problems) => {
            print_problems(&name, &problems, &[], args.json);
            return Ok(ExitCode::FAILURE);
        }
    };
    let Some(trigger) = plan.trigger_node(args.trigger.as_deref()) else {
        let triggers: Vec<&str> = plan.triggers.iter().map(|&t| plan.nodes[t].id.as_str()).collect();
        anyhow::bail!(
            "--trigger: the playbook has no trigger node `{}`; its triggers: {}",
            args.trigger.unwrap_or_default(),
            triggers.join(", ")
        );
    };
    let runner = LocalRunner::new(Executor::new(Arc::new(registry), Arc::new(configurations)));
    let run_id = uuid::Uuid::new_v4().to_string();
    let run = runtime.block_on(async {
        let cancel = CancellationToken::new();
        let on_interrupt = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupted: cancelling the run");
                on_interrupt.cancel();
            }
        });
        runner.run_from(&plan, &run_id, trigger, event, cancel).await
    });
    let report = run.report(&plan);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::render(&report));
    }
    Ok(if report.status == RunStatus::Succeeded { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The playbook in `path`, or the reason it cannot be read as one.
fn load(path: &std::path::Path) -> anyhow::Result<Result<Playbook, Diagnostic>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Playbook::parse_document(&text)
        .map_err(|riposte_model::ModelError::Parse { path, message, .. }| Diagnostic::new(path, message)))
}

fn print_problems(file: &str, problems: &[Diagnostic], warnings: &[Diagnostic], json: bool) {
    if json {
        let report =
            serde_json::json!({"file": file, "valid": problems.is_empty(), "problems": problems, "warnings": warnings});
        println!("{}", serde_json::to_string_pretty(&report).expect("diagnostics serialise"));
        return;
    }
    for warning in warnings {
        println!("{file}: warning: {warning}");
    }
    if problems.is_empty() {
        println!("{file}: valid");
    } else {
        for problem in problems {
            println!("{file}: {problem}");
        }
        println!("{file}: {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" });
    }
}
