//! What every module process gets: an end with the server's, and its stderr's last lines kept
//! to explain a crash.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// Bytes of a process's stderr kept to explain a crash.
const STDERR_TAIL: usize = 4096;

/// Asks the kernel to end the module's process when this server's process ends, however it
/// ends: a component left running after a crash would run twice once the server is back.
pub(crate) fn die_with_server(command: &mut Command) {
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
