//! Built-in modules. Each keeps the module, action and trigger UUIDs of its Sekoia.io
//! counterpart, so that playbooks exported from Sekoia run unchanged.

mod client;
pub mod http;
pub mod scheduler;
pub mod sekoiaio;

pub use client::HttpClients;
use riposte_sdk::Module;

/// Every built-in module, sharing one set of HTTP clients (and so one connection pool).
pub fn builtin_modules(clients: &HttpClients) -> Vec<Module> {
    vec![http::module(clients), sekoiaio::module(clients), scheduler::module()]
}
