//! The `riposte` command.

use std::process::ExitCode;

fn main() -> ExitCode {
    riposte::run()
}
