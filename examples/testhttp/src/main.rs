use std::process::ExitCode;

fn main() -> ExitCode {
    testhttp::module().run()
}
