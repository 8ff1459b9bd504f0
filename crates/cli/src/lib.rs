//! The `riposte` command, and the server as one value ([`server::Server`]) for whatever starts
//! one in process: the command, and tests.

mod bench;
mod cli;
mod compliance;
mod config;
mod demo;
mod installed;
mod local_modules;
mod memory;
mod module;
mod module_config;
mod playbook;
mod report;
mod seed;
mod serve;
pub mod server;

use std::process::ExitCode;

// glibc's allocator spends a fifth of the server's time under load in malloc and free across
// threads; mimalloc's thread-local heaps do not. Without transparent huge pages (`no_thp`), its
// resident memory stays near what is in use. Counted per thread, so that a template render knows
// the memory it holds. Installed by the library, so that servers started in process by tests run
// on the same allocator as the program.
#[global_allocator]
static ALLOCATOR: riposte_engine::CountingAllocator<mimalloc::MiMalloc> =
    riposte_engine::CountingAllocator(mimalloc::MiMalloc);

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{CheckArgs, Cli, Command, ModuleCommand, PlaybookCommand};

/// The command line: parses it, runs the command, says how it ended.
pub fn run() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    if let (Command::Serve(args), Some(serve)) = (&mut cli.command, matches.subcommand_matches("serve"))
        && let Err(err) = config::apply_file(args, serve)
    {
        eprintln!("error: {err:#}");
        return ExitCode::from(2);
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("RIPOSTE_LOG").unwrap_or_else(|_| "warn".into()))
        .init();
    let result = match cli.command {
        Command::Playbook(PlaybookCommand::Validate(args)) => playbook::validate(args),
        Command::Playbook(PlaybookCommand::Run(args)) => playbook::run(args),
        Command::Serve(args) => serve::serve(args),
        Command::Demo(args) => demo::demo(args),
        Command::Bench(args) => bench::bench(args),
        Command::Module(ModuleCommand::Check(args)) => Ok(module_check(args)),
        Command::Module(ModuleCommand::New(args)) => module::new(args),
        Command::Module(ModuleCommand::Generate(args)) => module::generate(args),
        Command::Module(ModuleCommand::Install(args)) => module::install(args),
        Command::Module(ModuleCommand::Bench(args)) => module::bench(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn module_check(args: CheckArgs) -> ExitCode {
    let findings = compliance::check_modules(&args.dirs);
    for finding in &findings {
        println!("{finding}");
    }
    if findings.iter().all(|f| f.warning) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
