//! The `riposte` command.

use std::process::ExitCode;

// glibc's allocator spends a fifth of the server's time under load in malloc and free across
// threads; mimalloc's thread-local heaps do not. Without transparent huge pages (`no_thp`), its
// resident memory stays near what is in use.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    riposte::run()
}
