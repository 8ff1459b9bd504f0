use reqwest::StatusCode;
use riposte_sdk::{Action, ActionContext, ActionError, ActionInfo, JsonSchema};
use serde::Deserialize;
use serde_json::{Map, Value};

use std::sync::Arc;

use super::{LocalAlerts, SekoiaConfiguration};
use crate::HttpClients;
use crate::client::describe;

/// `Get Alert`: `GET {base_url}/api/v1/sic/alerts/{uuid}`.
pub struct GetAlert {
    clients: HttpClients,
    local: Option<Arc<dyn LocalAlerts>>,
}

impl GetAlert {
    pub fn new(clients: HttpClients, local: Option<Arc<dyn LocalAlerts>>) -> Self {
        GetAlert { clients, local }
    }
}

/// Sekoia.io's API, when a configuration names no other.
const DEFAULT_BASE_URL: &str = "https://api.sekoia.io";

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetAlertArguments {
    /// UUID or short id of the alert
    pub uuid: String,
    /// Include the STIX bundle of the alert
    #[serde(default)]
    pub stix: Option<bool>,
    /// Include the cases the alert belongs to
    #[serde(default)]
    pub cases: Option<bool>,
}

impl Action for GetAlert {
    type Arguments = GetAlertArguments;
    type Results = Map<String, Value>;

    const INFO: ActionInfo = ActionInfo {
        name: "Get Alert",
        description: "Retrieve an alert",
        docker_parameters: "get-alerts/{uuid}",
        uuid: Some(super::GET_ALERT_UUID),
        secret_arguments: &[],
        outputs: &[],
    };

    async fn run(&self, ctx: &mut ActionContext, args: GetAlertArguments) -> Result<Map<String, Value>, ActionError> {
        let config: SekoiaConfiguration = ctx.configuration()?;
        alert_id(&args.uuid)?;
        if let (None, Some(local)) = (&config.base_url, &self.local) {
            return match local.get_alert(&args.uuid).await.map_err(ActionError::transient)? {
                Some(alert) => Ok(alert),
                None => Err(ActionError::action(format!("alert not found (status code: 404): {}", args.uuid))),
            };
        }
        let base_url = config.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let api_key =
            config.api_key.as_deref().ok_or_else(|| ActionError::fatal("the module configuration has no api_key"))?;
        let url = api_url(base_url, &format!("api/v1/sic/alerts/{}", args.uuid))?;
        self.clients.check(&url).map_err(ActionError::fatal)?;
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(stix) = args.stix {
            query.push(("stix", stix.to_string()));
        }
        query.push(("cases", args.cases.unwrap_or(false).to_string()));
        let response = self
            .clients
            .verified
            .get(url)
            .query(&query)
            .bearer_auth(api_key)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| ActionError::transient(format!("cannot reach {base_url}: {}", describe(&e))))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| ActionError::transient(format!("reading the alert failed: {}", describe(&e))))?;
        if status.is_server_error() {
            return Err(ActionError::transient(format!("the API answered {status}: {}", abbreviate(&body))));
        }
        if !status.is_success() {
            let what = if status == StatusCode::NOT_FOUND { "alert not found" } else { "request refused" };
            return Err(ActionError::action(format!(
                "{what} (status code: {}): {}",
                status.as_u16(),
                abbreviate(&body)
            )));
        }
        serde_json::from_str(&body)
            .map_err(|e| ActionError::action(format!("the API answered something that is not an alert: {e}")))
    }
}

/// `base_url` joined with `path`; a doubled `/api/api` (base URLs given with or without `/api`)
/// collapses as in Sekoia's module.
fn api_url(base_url: &str, path: &str) -> Result<reqwest::Url, ActionError> {
    let joined = format!("{}/{}", base_url.trim_end_matches('/'), path).replace("/api/api/", "/api/");
    reqwest::Url::parse(&joined).map_err(|e| ActionError::fatal(format!("invalid base_url `{base_url}`: {e}")))
}

/// The start of an error body, marked where it is cut: the scrubber then takes out even one
/// character of a secret the cut left.
fn abbreviate(text: &str) -> String {
    riposte_sdk::abbreviate(text, 300)
}

/// An alert is named by its UUID or its short id: anything else is refused before it can reach a
/// URL, where `../` or `?` would lead the stored key to another path of the host.
fn alert_id(id: &str) -> Result<(), ActionError> {
    let well_formed = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if well_formed {
        return Ok(());
    }
    let shown: String = id.chars().take(80).collect();
    Err(ActionError::action(format!("`{shown}` is not an alert UUID or short id")))
}

#[cfg(test)]
mod unit {
    use super::{alert_id, api_url};

    #[test]
    fn only_alert_ids_reach_the_url() {
        for good in ["ALWJ2jbDP5Xr", "8b1d2d4e-2a1f-4c3b-9e5d-6f7a8b9c0d1e"] {
            assert!(alert_id(good).is_ok(), "{good}");
        }
        for bad in ["", "../../admin/secret", "x?y=1", "a/b", "%2e%2e", "a#b", "a b", &"a".repeat(65)] {
            assert!(alert_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn api_urls_join_and_collapse() {
        assert_eq!(api_url("https://api.sekoia.io", "api/v1/x").unwrap().as_str(), "https://api.sekoia.io/api/v1/x");
        assert_eq!(
            api_url("http://127.0.0.1:8080/api/", "api/v1/x").unwrap().as_str(),
            "http://127.0.0.1:8080/api/v1/x"
        );
        assert!(api_url("nope", "api").is_err());
    }
}
