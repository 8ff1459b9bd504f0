//! `riposte demo`, the README's run command, as a user runs it (with `--exit` to end).

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::process::Output;

async fn demo(dir: &std::path::Path, alerts: &str) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["demo", "--exit", "--listen", "127.0.0.1:0", "--alerts", alerts, "--data-dir", dir.to_str().unwrap()])
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_pushes_its_alerts_to_the_external_tool() {
    let dir = tempfile::tempdir().unwrap();
    let output = demo(dir.path(), "2").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("received 2 request(s)"), "{stdout}");
    let console = stdout.lines().find_map(|l| l.strip_prefix("Console: ")).expect("the console's address");
    assert!(console.contains("/ui/playbooks/") && console.contains("/runs"), "{console}");
    assert_eq!(stdout.matches(" succeeded ").count(), 2, "{stdout}");
    assert!(stdout.contains("\"rule_name\":\"Mimikatz \\\"sekurlsa\\\" usage\""), "{stdout}");
    // A second demo on the same directory updates the playbook instead of adding one.
    let again = demo(dir.path(), "1").await;
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stdout));
    assert!(String::from_utf8_lossy(&again.stdout).contains("received 1 request(s)"));
}
