//! TestHTTP, the module Sekoia.io's tutorial builds in Python, written with `riposte-sdk`: the
//! `Request` action, the `NewEntriesTrigger` trigger and the `TesthttpConnector` connector.
//! [`module`] registers them; `cargo run -p testhttp -- riposte-generate-manifests
//! examples/testhttp` writes their manifests from the types below.

mod connector;
mod new_entries;
mod polling;
mod request;

pub use connector::{TesthttpConnector, TesthttpConnectorConfiguration};
pub use new_entries::{Entry, NewEntries, NewEntriesConfiguration, NewEntriesTrigger};
pub use request::{HttpMethod, Request, RequestArguments, RequestResults};

use riposte_sdk::{JsonSchema, Module};
use serde::Deserialize;

/// The module configuration: one per connected account.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TesthttpConfiguration {
    /// API Key, sent by the connector as `Authorization: Bearer <api_key>`.
    #[schemars(extend("secret" = true))]
    pub api_key: String,
}

pub fn module() -> Module {
    Module::from_manifest(include_str!("../manifest.json"))
        .expect("manifest.json is readable")
        .configuration::<TesthttpConfiguration>()
        .action(Request)
        .trigger(NewEntriesTrigger)
        .connector(TesthttpConnector)
}
