//! `riposte module install` from a git repository that holds two modules: at a tag, one
//! subfolder; at the default branch, every module; the commit recorded and shown.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::python::sekoia_sdk_env;
use common::{free_port, start_server_with};
use serde_json::{Value, json};

fn git(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=Riposte", "-c", "user.email=tests@riposte.invalid"])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The edges fixture as `folder`, under its own slug, UUID and version.
fn module(repo: &Path, folder: &str, uuid: &str, version: &str) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python-edges");
    std::fs::create_dir_all(repo.join(folder)).unwrap();
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, repo.join(folder).join(path.file_name().unwrap())).unwrap();
    }
    let path = repo.join(folder).join("manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (manifest["slug"], manifest["uuid"], manifest["version"]) = (json!(folder), json!(uuid), json!(version));
    std::fs::write(path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

fn install(cwd: &Path, args: &[&str]) -> Output {
    let env = sekoia_sdk_env();
    Command::new(env!("CARGO_BIN_EXE_riposte"))
        .current_dir(cwd)
        .args(["module", "install"])
        .args(args)
        .args(["--python-env", env.to_str().unwrap()])
        .output()
        .unwrap()
}

fn launch(data: &Path, slug: &str) -> Value {
    let text = std::fs::read_to_string(data.join("modules").join(slug).join("riposte-module.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn version(data: &Path, slug: &str) -> String {
    let text = std::fs::read_to_string(data.join("modules").join(slug).join("manifest.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["version"].as_str().unwrap().to_string()
}

/// A repository `library` in `root` with two modules, `edges` and `edges-b`: tag `v1`, then
/// `edges` 0.2.0 on `main`. The commits of `v1` and of `main`.
fn library(root: &Path) -> (String, String) {
    let repo = root.join("library");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "--quiet", "--initial-branch", "main"]);
    module(&repo, "edges", "7d1c6f0e-52a4-4c1e-9f83-3a0c2f6b9e41", "0.1.0");
    module(&repo, "edges-b", "5b7e3a10-9c2d-4e6f-8a1b-2c3d4e5f6a7b", "0.1.0");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "Two modules"]);
    git(&repo, &["tag", "v1"]);
    let tagged = git(&repo, &["rev-parse", "HEAD"]);
    module(&repo, "edges", "7d1c6f0e-52a4-4c1e-9f83-3a0c2f6b9e41", "0.2.0");
    git(&repo, &["commit", "--quiet", "-am", "Edges 0.2.0"]);
    (tagged, git(&repo, &["rev-parse", "HEAD"]))
}

#[test]
fn modules_install_from_a_repository_at_a_tag_and_a_subfolder() {
    let root = tempfile::tempdir().unwrap();
    let repo = root.path().join("library");
    let (tagged, head) = library(root.path());

    let at_tag = install(root.path(), &["library", "--ref", "v1", "--subdir", "edges", "--data-dir", "one"]);
    assert!(at_tag.status.success(), "{}", String::from_utf8_lossy(&at_tag.stderr));
    let one = root.path().join("one");
    assert_eq!(version(&one, "edges"), "0.1.0");
    assert_eq!(
        launch(&one, "edges")["source"],
        json!({"repository": "library", "reference": "v1", "commit": tagged, "subdir": "edges"})
    );
    assert!(!one.join("modules/edges-b").exists(), "only the subfolder asked for");
    assert!(String::from_utf8_lossy(&at_tag.stdout).contains(&tagged[..12]), "the commit is said");

    let url = format!("file://{}", repo.display());
    let every = install(root.path(), &[&url, "--data-dir", "two"]);
    assert!(every.status.success(), "{}", String::from_utf8_lossy(&every.stderr));
    let two = root.path().join("two");
    assert_eq!((version(&two, "edges"), version(&two, "edges-b")), ("0.2.0".into(), "0.1.0".into()));
    assert_eq!(launch(&two, "edges-b")["source"]["commit"], json!(head));

    let unknown = install(root.path(), &["library", "--ref", "v9", "--data-dir", "three"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no tag, branch or commit `v9`"));
    assert!(!root.path().join("three/modules/edges").exists(), "nothing installed");
    let option = install(root.path(), &["library", "--ref=--orphan", "--data-dir", "three"]);
    assert!(
        String::from_utf8_lossy(&option.stderr).contains("is not a tag, branch or commit"),
        "an option is no reference"
    );
    let ext = install(root.path(), &["ext::sh -c touch% /tmp/riposte-ext", "--ref", "main", "--data-dir", "three"]);
    assert!(!ext.status.success() && !Path::new("/tmp/riposte-ext").exists(), "the ext transport is refused");
}

/// Waits for the import `job` to end; its last state.
async fn import_ended(server: &common::Server, job: &Value) -> Value {
    let path = format!("/api/v1/modules/imports/{}", job["uuid"].as_str().unwrap());
    common::eventually("the import to end", async || {
        let (_, job) = server.get(&path).await;
        (job["status"] != "running").then_some(job)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_imports_modules_from_a_repository_into_the_running_server() {
    let root = tempfile::tempdir().unwrap();
    let (tagged, head) = library(root.path());
    let repo = root.path().join("library");
    let data = root.path().join("data");
    let env = sekoia_sdk_env();
    let server = start_server_with(&data, free_port(), &["--module-python-env", env.to_str().unwrap()]).await;

    let import = json!({"source": repo, "ref": "v1", "subdir": "edges"});
    let (status, job) = server.post("/api/v1/modules/imports", import).await;
    assert_eq!((status.as_u16(), job["status"].as_str()), (202, Some("running")), "{job}");
    let job = import_ended(&server, &job).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["modules"][0]["slug"], "edges");
    assert_eq!(job["modules"][0]["version"], "0.1.0");
    assert_eq!(job["modules"][0]["source"]["commit"], json!(tagged), "{job}");
    let listed = common::eventually("the imported module in the catalogue", async || {
        let (_, modules) = server.get("/api/v1/modules").await;
        modules["items"].as_array()?.iter().find(|m| m["slug"] == "edges").cloned()
    })
    .await;
    assert_eq!(listed["installed_from"]["commit"], json!(tagged), "{listed}");

    let (_, job) =
        server.post("/api/v1/modules/imports", json!({"source": format!("file://{}", repo.display())})).await;
    let job = import_ended(&server, &job).await;
    let versions: Vec<(&str, &str)> = job["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["slug"].as_str().unwrap(), m["version"].as_str().unwrap()))
        .collect();
    assert_eq!(versions, [("edges", "0.2.0"), ("edges-b", "0.1.0")], "{job}");
    assert_eq!(job["modules"][1]["source"]["commit"], json!(head));

    let (_, job) = server.post("/api/v1/modules/imports", json!({"source": repo, "ref": "v9"})).await;
    let job = import_ended(&server, &job).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(job["error"].as_str().unwrap().contains("no tag, branch or commit `v9`"), "{job}");
    let (status, refused) = server.post("/api/v1/modules/imports", json!({"source": repo, "ref": "--orphan"})).await;
    assert_eq!((status.as_u16(), &refused["errors"][0]["path"]), (422, &json!("$.ref")), "{refused}");
    let (status, refused) = server.post("/api/v1/modules/imports", json!({"source": "library"})).await;
    assert_eq!(
        (status.as_u16(), &refused["errors"][0]["path"]),
        (422, &json!("$.source")),
        "a relative path: {refused}"
    );
    let (_, imports) = server.get("/api/v1/modules/imports").await;
    assert_eq!(imports["total"], 3, "{imports}");

    let (_, reader) = server.post("/api/v1/api-keys", json!({"name": "playbooks", "permissions": ["SYMPHONY"]})).await;
    let (status, _) =
        server.with_key(reader["key"].as_str().unwrap()).post("/api/v1/modules/imports", json!({"source": repo})).await;
    assert_eq!(status.as_u16(), 403, "importing needs INSTALL_MODULES");
}

/// A key elsewhere on the server, and a module folder `edges` beside it in `root`.
const SEALING_KEY: &str = "sealing-key-5f0c2b9e71d4";

#[tokio::test(flavor = "multi_thread")]
async fn a_module_is_imported_and_served_without_following_links_out_of_its_folder() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("secret.key"), format!("{SEALING_KEY}\n")).unwrap();
    module(root.path(), "edges", "7d1c6f0e-52a4-4c1e-9f83-3a0c2f6b9e41", "0.1.0");
    let folder = root.path().join("edges");
    std::os::unix::fs::symlink("../secret.key", folder.join("logo.svg")).unwrap();
    let data = root.path().join("data");
    let env = sekoia_sdk_env();
    let server = start_server_with(&data, free_port(), &["--module-python-env", env.to_str().unwrap()]).await;

    let (_, job) = server.post("/api/v1/modules/imports", json!({"source": folder})).await;
    let job = import_ended(&server, &job).await;
    assert_eq!(job["status"], "failed", "a logo that links out of the module refuses it: {job}");
    assert!(job["error"].as_str().unwrap().contains("logo.svg is a link out of the module folder"), "{job}");
    assert!(!job.to_string().contains(SEALING_KEY), "{job}");
    assert!(!data.join("modules/edges").exists(), "nothing installed");

    std::fs::remove_file(folder.join("logo.svg")).unwrap();
    let pyproject = std::fs::read_to_string(folder.join("pyproject.toml")).unwrap();
    let option = pyproject.replace("\"sekoia-automation-sdk>=1.27\"", "\"-r../secret.key\"");
    assert_ne!(option, pyproject);
    std::fs::write(folder.join("pyproject.toml"), option).unwrap();
    let (_, job) = server.post("/api/v1/modules/imports", json!({"source": folder})).await;
    let job = import_ended(&server, &job).await;
    assert_eq!(job["status"], "failed", "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(error.contains("`-r` is one of pip's options, not a requirement"), "{job}");
    assert!(!error.contains(SEALING_KEY) && !error.contains("secret.key"), "{job}");

    std::fs::write(folder.join("pyproject.toml"), pyproject).unwrap();
    std::fs::write(folder.join("logo.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let (_, job) = server.post("/api/v1/modules/imports", json!({"source": folder})).await;
    let job = import_ended(&server, &job).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let logo = format!("/api/v1/modules/{}/logo", job["modules"][0]["uuid"].as_str().unwrap());
    let (_, reader) = server.post("/api/v1/api-keys", json!({"name": "playbooks", "permissions": ["SYMPHONY"]})).await;
    let reader = server.with_key(reader["key"].as_str().unwrap());
    let served = common::eventually("the module's logo", async || {
        let (status, body) = reader.get(&logo).await;
        (status.as_u16() == 200).then_some(body)
    })
    .await;
    assert!(served.as_str().unwrap().starts_with("<svg"), "{served}");

    // A link put in the installed folder afterwards is not served either.
    let installed = data.join("modules/edges/logo.svg");
    std::fs::remove_file(&installed).unwrap();
    std::os::unix::fs::symlink(root.path().join("secret.key"), &installed).unwrap();
    let (status, body) = reader.get(&logo).await;
    assert_eq!(status.as_u16(), 404, "{body}");
    assert!(!body.to_string().contains(SEALING_KEY));
    let (_, modules) = reader.get("/api/v1/modules").await;
    let listed = modules["items"].as_array().unwrap().iter().find(|m| m["slug"] == "edges").unwrap();
    assert!(listed.get("logo").is_none(), "{listed}");
}
