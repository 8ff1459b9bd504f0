//! The HTTP module (Sekoia's `HTTP`, uuid `5894985f-...`): the `Request URL` action.

mod request;
#[cfg(test)]
mod tests;

pub use request::{RequestArguments, RequestResults, RequestUrl};
use riposte_sdk::{Module, ModuleInfo};

use crate::HttpClients;

pub const MODULE_UUID: &str = "5894985f-91eb-46db-9306-cc5ac6463d3d";
pub const REQUEST_URL_UUID: &str = "40bcf3c0-aa8b-4111-9b4e-f3caffccb4e5";

pub fn module(clients: &HttpClients) -> Module {
    Module::new(ModuleInfo {
        uuid: MODULE_UUID,
        name: "HTTP",
        slug: "http",
        version: env!("CARGO_PKG_VERSION"),
        description: "Make HTTP requests",
        categories: &["Generic"],
    })
    .action(RequestUrl::new(clients.clone()))
}
