//! `NewEntriesTrigger`: a playbook run for each batch of new entries of a feed.

use reqwest::Url;
use riposte_sdk::{ActionError, ComponentInfo, JsonSchema, Trigger, TriggerContext};
use serde::{Deserialize, Serialize};

use crate::polling::{default_interval, get_list, interval, newer_than, parse_url, poll_client, retry_at_next_poll};

/// Polls a URL for new entries and starts a run with each batch of them.
pub struct NewEntriesTrigger;

/// Where the entries are, and how often to look.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewEntriesConfiguration {
    /// The URL of the entries: it answers a JSON list of `{"id", "value", "timestamp"}`.
    #[schemars(url, length(min = 1, max = 2083))]
    pub url: String,
    /// Seconds between two polls of the URL.
    #[serde(default = "default_interval")]
    #[schemars(range(min = 1))]
    pub polling_interval: u64,
}

/// One entry of the feed; an entry is new when its `id` is above those already sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    pub id: i64,
    pub value: String,
    pub timestamp: i64,
}

/// The event of a run: the entries that were not sent before, by increasing id.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NewEntries {
    pub entries: Vec<Entry>,
}

impl Trigger for NewEntriesTrigger {
    type Configuration = NewEntriesConfiguration;
    type Event = NewEntries;

    const INFO: ComponentInfo = ComponentInfo {
        name: "NewEntriesTrigger",
        description: "Fetch new entries from the remote URL",
        docker_parameters: "NewEntriesTrigger",
        uuid: None,
    };

    async fn run(
        &self,
        ctx: &mut TriggerContext<NewEntries>,
        configuration: NewEntriesConfiguration,
    ) -> Result<(), ActionError> {
        let url = parse_url(&configuration.url)?;
        let client = poll_client()?;
        // The highest id sent so far, kept for this run only: a run ended by a refusal is followed
        // by one that starts over from the first entry, as a restarted process would.
        let mut last_sent = None;
        while ctx.running() {
            poll(ctx, &client, &url, &mut last_sent).await?;
            ctx.sleep(interval(configuration.polling_interval)).await;
        }
        Ok(())
    }
}

/// One poll: the entries above `last_sent` go out as one event, and `last_sent` moves once
/// the event is delivered.
async fn poll(
    ctx: &TriggerContext<NewEntries>,
    client: &reqwest::Client,
    url: &Url,
    last_sent: &mut Option<i64>,
) -> Result<(), ActionError> {
    let entries = match get_list::<Entry>(client, url, None).await {
        Ok(entries) => entries,
        Err(message) => {
            ctx.error(message);
            return Ok(());
        }
    };
    let entries = newer_than(entries, *last_sent, |entry| entry.id);
    let Some(highest) = entries.last().map(|entry| entry.id) else { return Ok(()) };
    let name = format!("Pushing {} new entries", entries.len());
    match ctx.send_event(name, NewEntries { entries }).await {
        Ok(()) => *last_sent = Some(highest),
        Err(error) => ctx.error(retry_at_next_poll(error)?),
    }
    Ok(())
}
