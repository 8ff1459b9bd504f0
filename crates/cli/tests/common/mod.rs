//! A `riposte serve` child process on a fresh data directory; what all tests share comes from
//! `riposte-testkit`.
#![allow(dead_code)]

pub mod feed;
pub mod python;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use riposte_testkit::{Api, Sink, eventually, playbooks, until};

/// `riposte serve` as a child process; its API with the admin key.
pub struct Server {
    pub child: Child,
    pub api: Api,
}

impl std::ops::Deref for Server {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `riposte serve` on `dir` and `port` and waits until it answers.
pub async fn start_server(dir: &Path, port: u16) -> Server {
    start_server_with(dir, port, &[]).await
}

/// The same, with more flags.
pub async fn start_server_with(dir: &Path, port: u16, flags: &[&str]) -> Server {
    start_server_in(Path::new("."), dir, port, flags).await
}

/// The same, with more environment variables, which the modules it starts inherit.
pub async fn start_server_with_env(dir: &Path, port: u16, env: &[(&str, &str)]) -> Server {
    spawn_server(Path::new("."), dir, port, &[], env).await
}

/// The same, started in `cwd` (where a relative `dir` is).
pub async fn start_server_in(cwd: &Path, dir: &Path, port: u16, flags: &[&str]) -> Server {
    spawn_server(cwd, dir, port, flags, &[]).await
}

async fn spawn_server(cwd: &Path, dir: &Path, port: u16, flags: &[&str], env: &[(&str, &str)]) -> Server {
    let log = cwd.join(dir).join("server.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .current_dir(cwd)
        .args(["serve", "--data-dir", dir.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
        .args(flags)
        .env("RIPOSTE_LOG", "debug")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let key = std::fs::read_to_string(cwd.join(dir).join("admin.key")).unwrap();
    Server { child, api: Api::new(base, key) }
}

impl Server {
    /// Resident memory of the server process, in MiB.
    pub fn rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
    }
}
