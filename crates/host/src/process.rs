//! What every module process gets: an end with the server's, and its stderr's last lines kept
//! to explain a crash.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// Bytes of a process's stderr kept to explain a crash.
const STDERR_TAIL: usize = 4096;

/// What a module's process inherits of the server's environment: where programs, the locale,
/// the time zone, temporary files, certificates and proxies are. Nothing else: the server's own
/// settings (`RIPOSTE_SECRET_KEY`, database URLs, cloud credentials) stay with the server. What
/// the module needs of its own comes from its launch file and from the protocol's inputs.
/// The variable that names more variables for module processes (comma-separated), such as a
/// library's own settings; the server's `RIPOSTE_*` variables never pass.
pub const MODULE_VARIABLES: &str = "RIPOSTE_MODULE_VARIABLES";

pub const INHERITED_VARIABLES: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];

/// Sets a module's process apart from the server: a clean environment (see
/// [`INHERITED_VARIABLES`]) and an end with the server's process.
pub(crate) fn set_apart(command: &mut Command) {
    command.env_clear();
    let named = std::env::var(MODULE_VARIABLES).unwrap_or_default();
    let named = named.split(',').map(str::trim).filter(|n| !n.is_empty() && !n.starts_with("RIPOSTE_"));
    for name in INHERITED_VARIABLES.iter().copied().chain(named) {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    die_with_server(command);
}

/// Asks the kernel to end the module's process when this server's process ends, however it
/// ends: a component left running after a crash would run twice once the server is back.
fn die_with_server(command: &mut Command) {
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    // SAFETY: between fork and exec, only `prctl`, which is async-signal-safe, is called.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// The last [`STDERR_TAIL`] bytes a stream gives.
pub(crate) async fn tail(stream: impl AsyncRead + Unpin) -> String {
    let kept = Arc::new(Mutex::new(Vec::new()));
    keep_tail(stream, kept.clone()).await;
    let kept = kept.lock().expect("stderr lock");
    String::from_utf8_lossy(&kept).trim().to_string()
}

/// Keeps the last [`STDERR_TAIL`] bytes of a stream in `kept` as they come, until it ends.
pub(crate) async fn keep_tail(mut stream: impl AsyncRead + Unpin, kept: Arc<Mutex<Vec<u8>>>) {
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        let mut kept = kept.lock().expect("stderr lock");
        kept.extend_from_slice(&buffer[..n]);
        if kept.len() > STDERR_TAIL {
            let excess = kept.len() - STDERR_TAIL;
            kept.drain(..excess);
        }
    }
}

pub(crate) fn stderr_note(stderr: &str) -> String {
    if stderr.is_empty() { String::new() } else { format!("; its stderr ends with:\n{stderr}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cargo runs tests with its own variables set (`CARGO_MANIFEST_DIR`...), as a server runs
    /// with `RIPOSTE_SECRET_KEY`: a module's process sees none of them.
    #[tokio::test]
    async fn a_module_process_sees_only_the_inherited_variables() {
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some(), "cargo sets it for tests");
        let mut command = Command::new("env");
        set_apart(&mut command);
        command.env("MODULE_OWN", "1");
        let output = command.output().await.unwrap();
        let seen = String::from_utf8(output.stdout).unwrap();
        let names: Vec<&str> = seen.lines().filter_map(|line| line.split_once('=').map(|(name, _)| name)).collect();
        assert!(names.contains(&"MODULE_OWN"), "{names:?}");
        assert!(names.contains(&"PATH"), "{names:?}");
        let leaked: Vec<&&str> =
            names.iter().filter(|name| !INHERITED_VARIABLES.contains(name) && **name != "MODULE_OWN").collect();
        assert!(leaked.is_empty(), "inherited: {leaked:?}");
    }
}
