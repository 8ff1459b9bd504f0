//! Events an installed trigger sends: each starts one run of its playbook's active version from
//! the trigger's node, once per `request_id`, with the event's `directory` adopted as the run's
//! storage.

use riposte_host::TriggerEvent;

use crate::components::Owner;
use crate::dispatch::new_run;
use crate::{Result, ServiceError, Services};

impl Services {
    /// Starts the run of the event `owner`'s trigger sent; returns the run's UUID, the same for
    /// the same `request_id`.
    pub async fn trigger_event(&self, owner: &str, event: TriggerEvent) -> Result<String> {
        let Some(Owner::Playbook { uuid: playbook_uuid, node }) = Owner::parse(owner) else {
            return Err(ServiceError::ConnectorEvent);
        };
        let heads = self.store.active_playbook_heads().await?;
        let head = heads
            .iter()
            .find(|h| h.uuid == playbook_uuid)
            .ok_or_else(|| ServiceError::NotActive(playbook_uuid.clone()))?;
        // The SDK sends one `request_id` per event, kept across its retries: one run per event.
        let request_id = event.request_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let key = match &node {
            None => format!("{playbook_uuid}:{request_id}"),
            Some(node) => format!("{playbook_uuid}:{node}:{request_id}"),
        };
        let run_uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes()).to_string();
        if let Some(directory) = &event.directory {
            self.host()?.adopt_directory(owner, directory, &run_uuid).map_err(ServiceError::Directory)?;
        }
        let run = new_run(&playbook_uuid, head.version, run_uuid.clone(), event.name, node, event.event);
        if !self.start_once(run).await? {
            tracing::debug!(%run_uuid, "trigger event sent again");
        }
        Ok(run_uuid)
    }
}
