//! Built-in modules. Each keeps the module, action and trigger UUIDs of its Sekoia.io
//! counterpart, so that playbooks exported from Sekoia run unchanged.

mod client;
pub mod destinations;
pub mod http;
pub mod scheduler;
pub mod sekoiaio;

pub use client::HttpClients;
pub use destinations::Destinations;
use std::sync::Arc;

use riposte_sdk::Module;
use sekoiaio::LocalAlerts;

/// Every built-in module, sharing one set of HTTP clients (and so one connection pool). On a
/// server, `local_alerts` lets the Sekoia.io module read the server's own alerts directly.
pub fn builtin_modules(clients: &HttpClients, local_alerts: Option<Arc<dyn LocalAlerts>>) -> Vec<Module> {
    vec![http::module(clients), sekoiaio::module(clients, local_alerts), scheduler::module()]
}
