//! Supervision of long-running components, with shell scripts standing in for module programs:
//! restarts after an exit, SIGTERM on stop, a critical log ends it for good.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use riposte_host::{Callbacks, ComponentKind, ComponentState, Host, LongRunning, Redact, Supervised, load_module};
use riposte_testkit::until;
use serde_json::json;

/// A module whose only component is `script`, run by `sh`.
fn module(dir: &Path, script: &str) -> Arc<riposte_host::InstalledModule> {
    std::fs::write(dir.join("riposte-module.json"), r#"{"command": ["sh", "component.sh"]}"#).unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"uuid": "m-1", "name": "Shell", "slug": "shell", "version": "0.1.0"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("component.sh"), script).unwrap();
    Arc::new(load_module(dir).unwrap())
}

fn supervise(host: &Arc<Host>, module: Arc<riposte_host::InstalledModule>) -> Supervised {
    supervise_redacted(host, module, None)
}

fn supervise_redacted(
    host: &Arc<Host>,
    module: Arc<riposte_host::InstalledModule>,
    redact: Option<Arc<dyn Redact>>,
) -> Supervised {
    host.supervise(LongRunning {
        module,
        kind: ComponentKind::Trigger,
        docker_parameters: "watch".into(),
        settings: json!({"url": "http://127.0.0.1:9"}),
        configuration: json!({}),
        owner: "playbook-1".into(),
        intake_url: None,
        configuration_uuid: None,
        redact,
    })
}

/// Hides one value, as the platform's scrubber hides a configuration's secrets.
struct Hide(&'static str);

impl Redact for Hide {
    fn redact(&self, text: &mut String) {
        *text = text.replace(self.0, "***");
    }
}

fn host() -> Arc<Host> {
    Arc::new(Host::new(Arc::new(Callbacks::default()), "http://127.0.0.1:1"))
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_string).collect()
}

#[tokio::test]
async fn a_component_that_exits_is_restarted_and_its_stderr_explains_why() {
    let dir = tempfile::tempdir().unwrap();
    let script = "echo \"$1 $TRIGGER_CONFIGURATION\" >> started\necho \"$LIVENESS_PORT $METRICS_PORT\" >> ports\n\
                  echo 'lost the feed' >&2\nexit 3\n";
    let running = supervise(&host(), module(dir.path(), script));
    let started = dir.path().join("started");
    until("a restart", || lines(&started).len() >= 2).await;
    assert_eq!(lines(&started)[0], r#"watch {"url":"http://127.0.0.1:9"}"#);
    let ports: Vec<u16> = lines(&dir.path().join("ports"))[0].split(' ').map(|p| p.parse().unwrap()).collect();
    assert!(ports.len() == 2 && ports[0] != ports[1], "its own liveness and metrics ports: {ports:?}");
    let status = running.status();
    assert!(status.restarts >= 1, "{status:?}");
    let error = status.error.unwrap();
    assert!(error.contains("exit status: 3") && error.contains("lost the feed"), "{error}");
    running.stop().await;
}

#[tokio::test]
async fn stopping_sends_sigterm_and_a_critical_log_crashes_it_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let script = "trap 'echo term >> stopped; exit 0' TERM\necho \"$TOKEN $URL_LOGS\" >> started\n\
                  while true; do sleep 0.05; done\n";
    let host = host();
    let module = module(dir.path(), script);

    let running = supervise(&host, module.clone());
    until("a start", || lines(&dir.path().join("started")).len() == 1).await;
    assert_eq!(running.status().state, ComponentState::Running);
    running.stop().await;
    assert_eq!(lines(&dir.path().join("stopped")), ["term"], "stopped by SIGTERM, not killed");

    let running = supervise(&host, module);
    until("a second start", || lines(&dir.path().join("started")).len() == 2).await;
    let started = lines(&dir.path().join("started"));
    let (token, logs_url) = started[1].split_once(' ').unwrap();
    let id = logs_url.trim_end_matches("/logs").rsplit('/').next().unwrap();
    let entries = json!({"logs": [
        {"date": "2026-01-01T00:00:00", "level": "info", "message": "polling"},
        {"date": "2026-01-01T00:00:01", "level": "critical", "message": "the API key is refused"},
    ]});
    host.callbacks().logs(id, token, entries).unwrap();
    until("the crash", || running.status().state == ComponentState::Crashed).await;
    let status = running.status();
    assert_eq!(
        status.logs.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(),
        ["polling", "the API key is refused"]
    );
    assert!(status.error.unwrap().contains("the API key is refused"));
    until("SIGTERM after the crash", || lines(&dir.path().join("stopped")).len() == 2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(lines(&dir.path().join("started")).len(), 2, "a crashed component is not restarted");
    running.stop().await;
}

#[tokio::test]
async fn what_a_component_logs_or_prints_is_redacted_before_it_is_kept_or_shown() {
    let dir = tempfile::tempdir().unwrap();
    let script = "echo \"$TOKEN $URL_LOGS\" >> started\nwhile [ ! -f go ]; do sleep 0.05; done\n\
                  echo 'the key s3cret-value is refused' >&2\nexit 3\n";
    let host = host();
    let running = supervise_redacted(&host, module(dir.path(), script), Some(Arc::new(Hide("s3cret-value"))));
    until("a start", || lines(&dir.path().join("started")).len() == 1).await;
    let started = lines(&dir.path().join("started"));
    let (token, logs_url) = started[0].split_once(' ').unwrap();
    let id = logs_url.trim_end_matches("/logs").rsplit('/').next().unwrap();
    let entries = json!({"logs": [{"date": "s3cret-value", "level": "info", "message": "using s3cret-value"}]});
    host.callbacks().logs(id, token, entries).unwrap();
    until("the log", || !running.status().logs.is_empty()).await;
    std::fs::write(dir.path().join("go"), "").unwrap();
    until("an exit", || running.status().error.is_some()).await;
    let status = running.status();
    assert_eq!((status.logs[0].date.as_str(), status.logs[0].message.as_str()), ("***", "using ***"));
    let error = status.error.unwrap();
    assert!(error.contains("the key *** is refused") && !error.contains("s3cret"), "{error}");
    running.stop().await;
}

#[tokio::test]
async fn a_component_whose_liveness_server_answers_500_is_restarted() {
    let dir = tempfile::tempdir().unwrap();
    // Python's own HTTP server, answering 500 to /health on the port it is given.
    let server = "import http.server, os\n\n\nclass Dying(http.server.BaseHTTPRequestHandler):\n    \
                  def do_GET(self):\n        self.send_response(500)\n        self.end_headers()\n\n\n\
                  port = int(os.environ['LIVENESS_PORT'])\n\
                  http.server.HTTPServer(('127.0.0.1', port), Dying).serve_forever()\n";
    std::fs::write(dir.path().join("health.py"), server).unwrap();
    let script = "echo started >> started\nexec python3 health.py\n";
    let host = Arc::new(
        Host::new(Arc::new(Callbacks::default()), "http://127.0.0.1:1").with_liveness_probe(Duration::from_millis(300)),
    );
    let running = supervise(&host, module(dir.path(), script));
    until("a restart", || lines(&dir.path().join("started")).len() >= 2).await;
    let error = running.status().error.unwrap();
    assert!(error.contains("not alive"), "{error}");
    running.stop().await;
}
