//! `riposte module check` through the binary, on module folders made here.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

const CHANGELOG: &str = "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\nThe format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/),\nand this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n## [0.1.0] - 2026-11-22\n\n### Added\n\n- First release\n";

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, format!("{}\n", serde_json::to_string_pretty(value).unwrap())).unwrap();
}

/// A Python module as Sekoia's SDK lays it out, with one action.
fn python_module(root: &Path, name: &str, uuid: &str, action_uuid: &str) -> std::path::PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(dir.join("CHANGELOG.md"), CHANGELOG).unwrap();
    std::fs::write(dir.join("logo.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    for file in ["pyproject.toml", "poetry.lock", "Dockerfile", "tests/test_request.py"] {
        std::fs::write(dir.join(file), "").unwrap();
    }
    std::fs::write(dir.join("main.py"), "module = M()\nmodule.register(Request, \"Request\")\nmodule.run()\n").unwrap();
    let slug = name.to_lowercase();
    write_json(
        &dir.join("manifest.json"),
        &json!({"uuid": uuid, "name": name, "slug": slug, "version": "0.1.0", "description": "d",
                "configuration": {"type": "object", "properties": {}}, "categories": ["Generic"]}),
    );
    write_json(
        &dir.join("action_request.json"),
        &json!({"uuid": action_uuid, "name": "Request", "description": "d", "docker_parameters": "Request",
                "arguments": {"type": "object"}, "results": {}}),
    );
    dir
}

fn check(dirs: &[&Path]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_riposte")).args(["module", "check"]).args(dirs).output().unwrap();
    (output.status.code().unwrap(), String::from_utf8(output.stdout).unwrap())
}

#[test]
fn a_compliant_module_passes_and_each_problem_is_one_line() {
    let root = tempfile::tempdir().unwrap();
    let good = python_module(root.path(), "TestHTTP", "11111111-1111-4111-8111-111111111111", "a1");
    assert_eq!(check(&[&good]), (0, String::new()));

    let twin = python_module(root.path(), "Other", "11111111-1111-4111-8111-111111111111", "a2");
    std::fs::remove_file(twin.join("CHANGELOG.md")).unwrap();
    std::fs::write(
        twin.join("main.py"),
        "module.register(Request, \"Request\")\nmodule.register(Poll, name=\"Poll\")\n",
    )
    .unwrap();
    let (code, out) = check(&[&good, &twin]);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec![
            "Other:CHANGELOG.md:changelog is missing",
            "Other:main.py:`Poll` is registered but has no manifest",
            "Other:manifest.json:module uuid `11111111-1111-4111-8111-111111111111` is also used by TestHTTP:manifest.json",
        ]
    );

    std::fs::write(good.join("main.py"), "module = M()\nmodule.run()\n").unwrap();
    let compact = r#"{"uuid":"a1","description":"d","docker_parameters":"Request","arguments":{},"results":{}}"#;
    std::fs::write(good.join("action_request.json"), compact).unwrap();
    let (code, out) = check(&[&good]);
    assert_eq!(code, 1);
    assert!(out.contains("TestHTTP:main.py:`Request` has a manifest but is not registered"), "{out}");
    assert!(out.contains("TestHTTP:action_request.json:not formatted with a two-space indent"), "{out}");
    assert!(out.contains("TestHTTP:action_request.json:`name` must be a string"), "{out}");
}

#[test]
fn the_examples_pass_the_check() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let (code, out) = check(&[&examples.join("testhttp"), &examples.join("python-testhttp")]);
    assert_eq!((code, out.as_str()), (0, ""), "{out}");
}

#[test]
fn layout_is_a_warning_and_the_complianceignore_is_honoured_as_sekoia_does() {
    let root = tempfile::tempdir().unwrap();
    let module = python_module(root.path(), "Layout", "22222222-2222-4222-8222-222222222222", "b1");
    // Valid JSON in another layout, and a changelog after a blank line: Sekoia's tool accepts both.
    let compact = r#"{"uuid":"b1","name":"Request","description":"d","docker_parameters":"Request","arguments":{"type":"object"},"results":{}}"#;
    std::fs::write(module.join("action_request.json"), compact).unwrap();
    std::fs::write(module.join("CHANGELOG.md"), format!("\n{CHANGELOG}")).unwrap();
    let (code, out) = check(&[&module]);
    assert_eq!(
        (code, out.as_str()),
        (0, "warning: Layout:action_request.json:not formatted with a two-space indent\n")
    );

    std::fs::remove_file(module.join("Dockerfile")).unwrap();
    assert_eq!(check(&[&module]).0, 1, "a missing Dockerfile is a problem");
    let ignore = "# Files whose findings are known and accepted\nLayout/Dockerfile\n\nOther/main.py\n";
    std::fs::write(root.path().join(".complianceignore"), ignore).unwrap();
    let (code, out) = check(&[&module]);
    assert_eq!(code, 0, "the ignored file's finding is left out: {out}");
    assert!(!out.contains("Dockerfile"), "{out}");
}
