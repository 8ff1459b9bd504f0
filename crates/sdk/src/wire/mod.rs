//! Running a module as its own process, speaking Sekoia's module protocol: the component is
//! chosen by the first argument (its `docker_parameters`), inputs come from `/symphony` files or
//! environment variables, and results, events, logs and batches go to the platform over HTTP.

mod action;
mod client;
mod inputs;
mod long_running;

use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

pub use action::run_action;
pub use client::{Platform, Retry};
pub use inputs::Inputs;
pub use long_running::{ERRORS_BEFORE_CRITICAL, WireHost, keep_running};

use crate::component::Component;
use crate::module::Command;
use crate::{ActionError, BoxFuture, IntakeHost, Module, SdkError, TriggerHost};

/// The command that writes the module's manifests from its code into a folder (default `.`).
pub const GENERATE_MANIFESTS: &str = "riposte-generate-manifests";
/// The command that prints how the manifests in a folder (default `.`) differ from the code.
pub const CHECK_MANIFESTS: &str = "riposte-check-manifests";

impl Module {
    /// The module's `main`: runs the component named by the first argument, or writes the
    /// manifests when asked with [`GENERATE_MANIFESTS`].
    pub fn run(self) -> ExitCode {
        let args: Vec<String> = std::env::args().collect();
        let Some(command) = args.get(1) else {
            eprintln!("usage: {} <command>; commands: {}", args[0], self.commands().join(", "));
            return ExitCode::from(2);
        };
        if command == GENERATE_MANIFESTS {
            return self.generate(args.get(2).map(String::as_str).unwrap_or("."));
        }
        if command == CHECK_MANIFESTS {
            return self.check(args.get(2).map(String::as_str).unwrap_or("."));
        }
        // An action is one short call: one thread starts sooner than a pool.
        let mut runtime = match self.find_command(command) {
            Some(Command::Action(_)) => tokio::runtime::Builder::new_current_thread(),
            _ => tokio::runtime::Builder::new_multi_thread(),
        };
        let runtime = runtime.enable_all().build().expect("a tokio runtime starts");
        let outcome = runtime.block_on(async {
            let stop = CancellationToken::new();
            tokio::spawn(stop_on_signal(stop.clone()));
            tokio::spawn(exit_after_grace(stop.clone()));
            run_command(&self, command, &Inputs::process(), Retry::SEKOIA, stop).await
        });
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{command}: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn generate(&self, folder: &str) -> ExitCode {
        match crate::write_manifests(self, std::path::Path::new(folder)) {
            Ok((written, removed)) => {
                written.iter().for_each(|name| println!("wrote {name}"));
                removed.iter().for_each(|name| println!("removed {name}"));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write the manifests: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

impl Module {
    /// Prints, one line per file (`file: problem`), how the manifests in `folder` differ from
    /// the code. Exits with success when it could compare, whatever it found.
    fn check(&self, folder: &str) -> ExitCode {
        match crate::manifest_drift(self, std::path::Path::new(folder)) {
            Ok(problems) => {
                problems.iter().for_each(|line| println!("{line}"));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot compare the manifests with the code: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

/// Runs one component of `module` until it is done (an action) or `stop` (a trigger or
/// connector).
pub async fn run_command(
    module: &Module,
    command: &str,
    inputs: &Inputs,
    retry: Retry,
    stop: CancellationToken,
) -> Result<(), SdkError> {
    let platform = Platform::new(inputs.required_text("token")?, retry);
    match module.find_command(command).ok_or_else(|| SdkError::UnknownCommand(command.to_string()))? {
        Command::Action(action) => run_action(module, action.as_ref(), inputs, &platform).await.map(|_| ()),
        Command::Trigger(trigger) => {
            let host = Arc::new(WireHost::new(inputs, platform, None)?);
            let settings = inputs.required_json("trigger_configuration")?;
            let sink: Arc<dyn TriggerHost> = host.clone();
            let run_once = move |component, settings| {
                let (trigger, sink) = (trigger.clone(), sink.clone());
                let future: BoxFuture<'static, _> =
                    Box::pin(async move { trigger.run_once(component, sink, settings).await });
                future
            };
            run_long_running(inputs, &host, settings, retry, stop, run_once).await
        }
        Command::Connector(connector) => {
            let settings = match inputs.json("connector_configuration")? {
                Some(settings) => settings,
                None => inputs.required_json("trigger_configuration")?,
            };
            let intake = settings
                .get("intake_server")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| inputs.text("intake_url"));
            let host = Arc::new(WireHost::new(inputs, platform, intake)?);
            let sink: Arc<dyn IntakeHost> = host.clone();
            let run_once = move |component, settings| {
                let (connector, sink) = (connector.clone(), sink.clone());
                let future: BoxFuture<'static, _> =
                    Box::pin(async move { connector.run_once(component, sink, settings).await });
                future
            };
            run_long_running(inputs, &host, settings, retry, stop, run_once).await
        }
    }
}

/// Runs a trigger or connector until it stops: secrets first, then `run_once` again and again,
/// its logs going out alongside.
async fn run_long_running(
    inputs: &Inputs,
    host: &WireHost,
    mut settings: Value,
    retry: Retry,
    stop: CancellationToken,
    run_once: impl Fn(Component, Value) -> BoxFuture<'static, Result<(), ActionError>>,
) -> Result<(), SdkError> {
    let component = start(inputs, host, &mut settings, stop).await?;
    let run = || run_once(component.clone(), settings.clone());
    let log = |level, message| TriggerHost::log(host, level, message);
    finish(host, &component, keep_running(&component, retry, &log, run)).await
}

/// Fetches the secrets and makes the running component.
async fn start(
    inputs: &Inputs,
    host: &WireHost,
    settings: &mut Value,
    stop: CancellationToken,
) -> Result<Component, SdkError> {
    let mut configuration = inputs.json("module_configuration")?.unwrap_or_else(|| json!({}));
    let secrets = host.secrets(inputs).await?;
    long_running::with_secrets(&mut configuration, settings, secrets);
    Ok(Component::new(configuration, stop))
}

/// Runs the component with its logs going out alongside, then sends the last ones.
async fn finish(
    host: &WireHost,
    component: &Component,
    running: impl std::future::Future<Output = Result<(), String>>,
) -> Result<(), SdkError> {
    let run_then_stop = async {
        let outcome = running.await;
        component.stop();
        outcome
    };
    let (outcome, ()) = tokio::join!(run_then_stop, host.send_logs_until_stopped(component));
    host.flush_last_logs().await;
    outcome.map_err(SdkError::Platform)
}

/// How long a component has to end after it is asked to stop: a send still retrying towards a
/// platform that is gone must not keep the process alive.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn exit_after_grace(stop: CancellationToken) {
    stop.cancelled().await;
    tokio::time::sleep(STOP_GRACE).await;
    eprintln!("still running {}s after the stop: exiting", STOP_GRACE.as_secs());
    // The grace is over: what still runs is a send that would never end.
    #[allow(clippy::disallowed_methods)]
    std::process::exit(1);
}

async fn stop_on_signal(stop: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut interrupt)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
        else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    stop.cancel();
}
