//! `TesthttpConnector`: the new items of an API, pushed to the intake.

use reqwest::Url;
use riposte_sdk::{ActionError, ComponentInfo, Connector, ConnectorContext, JsonSchema};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::TesthttpConfiguration;
use crate::polling::{default_interval, get_list, interval, newer_than, parse_url, poll_client, retry_at_next_poll};

/// Polls an API with the module's `api_key` and pushes its new items to the intake.
pub struct TesthttpConnector;

/// What to poll and how often; the SDK adds the intake's `intake_server` and `intake_key`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TesthttpConnectorConfiguration {
    /// The URL of the API: it answers a JSON list of objects, each with an integer `id`.
    #[schemars(url, length(min = 1, max = 2083))]
    pub url: String,
    // Seconds, where Sekoia's tutorial counts minutes: one unit for the trigger and the connector.
    /// Polling interval in seconds.
    #[serde(default = "default_interval")]
    #[schemars(range(min = 1))]
    pub polling_interval: u64,
}

impl Connector for TesthttpConnector {
    type Configuration = TesthttpConnectorConfiguration;

    const INFO: ComponentInfo = ComponentInfo {
        name: "TesthttpConnector",
        description: "Collects the new items of the TestHTTP API",
        docker_parameters: "TesthttpConnector",
        uuid: None,
    };

    async fn run(
        &self,
        ctx: &mut ConnectorContext,
        configuration: TesthttpConnectorConfiguration,
    ) -> Result<(), ActionError> {
        let account: TesthttpConfiguration = ctx.configuration()?;
        let url = parse_url(&configuration.url)?;
        let client = poll_client()?;
        ctx.info("Start fetching events");
        // The highest id pushed so far, kept for this run only: a run ended by a refusal is followed
        // by one that starts over from the first item, as a restarted process would.
        let mut last_pushed = None;
        while ctx.running() {
            poll(ctx, &client, &url, &account.api_key, &mut last_pushed).await?;
            ctx.sleep(interval(configuration.polling_interval)).await;
        }
        Ok(())
    }
}

/// One poll: the items above `last_pushed` go to the intake, tagged with their source, and
/// `last_pushed` moves once they are in.
async fn poll(
    ctx: &ConnectorContext,
    client: &reqwest::Client,
    url: &Url,
    api_key: &str,
    last_pushed: &mut Option<i64>,
) -> Result<(), ActionError> {
    let items = match get_list::<Map<String, Value>>(client, url, Some(api_key)).await {
        Ok(items) => items,
        Err(message) => {
            ctx.error(format!("Error fetching data from Testhttp API: {message}"));
            return Ok(());
        }
    };
    let items = newer_than(with_ids(ctx, items), *last_pushed, |(id, _)| *id);
    let Some(&(highest, _)) = items.last() else { return Ok(()) };
    let events: Vec<String> = items.into_iter().map(|(_, item)| tagged(item)).collect();
    let count = events.len();
    match ctx.push_events_to_intakes(events).await {
        Ok(_) => {
            ctx.info(format!("{count} events collected"));
            *last_pushed = Some(highest);
        }
        Err(error) => ctx.error(retry_at_next_poll(error)?),
    }
    Ok(())
}

/// The items with their `id`; those without an integer one cannot be told apart from one poll
/// to the next, so they are left out, with a warning.
fn with_ids(ctx: &ConnectorContext, items: Vec<Map<String, Value>>) -> Vec<(i64, Map<String, Value>)> {
    let total = items.len();
    let identified: Vec<_> =
        items.into_iter().filter_map(|item| item.get("id").and_then(Value::as_i64).map(|id| (id, item))).collect();
    if identified.len() < total {
        let skipped = total - identified.len();
        ctx.warning(format!("{skipped} items without an integer `id` were left out"));
    }
    identified
}

/// The event as the intake receives it: the item, as JSON text, with `"source": "testhttp"`.
fn tagged(mut item: Map<String, Value>) -> String {
    item.insert("source".into(), Value::from("testhttp"));
    Value::Object(item).to_string()
}
