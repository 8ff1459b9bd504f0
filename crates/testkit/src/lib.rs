//! What Riposte's tests share: the server in process on a fresh data directory ([`TestApp`]),
//! a client of its API ([`Api`]), an external tool that records what it receives ([`Sink`]),
//! any HTTP service on a free local port ([`serve`]), waiting for what happens eventually
//! ([`eventually`]), and playbooks to start from ([`playbooks`]).

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod api;
mod app;
pub mod playbooks;
mod poll;
mod serve;
mod sink;

pub use api::Api;
pub use app::TestApp;
pub use poll::{eventually, until};
pub use serve::serve;
pub use sink::Sink;
