//! `Request`: one HTTP request, its answer as results.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use riposte_sdk::{Action, ActionContext, ActionError, ActionInfo, JsonSchema};
use serde::{Deserialize, Serialize};

use crate::polling::{action_client, describe, parse_url};

/// Requests a resource at a URL and returns the response.
pub struct Request;

/// The HTTP methods the action sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl From<HttpMethod> for reqwest::Method {
    fn from(method: HttpMethod) -> Self {
        match method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RequestArguments {
    /// The URL to request.
    #[schemars(url, length(min = 1, max = 2083))]
    pub url: String,
    /// HTTP headers to send, by name.
    pub headers: Option<BTreeMap<String, String>>,
    /// The HTTP method.
    pub method: HttpMethod,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestResults {
    /// The status code of the response.
    pub status_code: u16,
    /// The response headers by lower-case name, repeated ones joined with ", ".
    pub headers: BTreeMap<String, String>,
    /// The response body, as text.
    pub text: String,
}

impl Action for Request {
    type Arguments = RequestArguments;
    type Results = RequestResults;

    const INFO: ActionInfo = ActionInfo {
        name: "Request",
        description: "Requests a resource at a URL and returns the response",
        docker_parameters: "Request",
        uuid: None,
        secret_arguments: &[],
        outputs: &[],
    };

    async fn run(&self, ctx: &mut ActionContext, arguments: RequestArguments) -> Result<RequestResults, ActionError> {
        ctx.info(format!("Request URL module started. Target URL: {}", arguments.url));
        let url = parse_url(&arguments.url)?;
        let headers = header_map(arguments.headers.as_ref())?;
        let request = action_client()?.request(arguments.method.into(), url).headers(headers);
        let response = request.send().await.map_err(|e| unreachable(&arguments.url, &e))?;
        let results = read(response).await?;
        if !(200..300).contains(&results.status_code) {
            // As Sekoia's `self.error`: the action fails, and the answer is kept for the playbook.
            ctx.error(format!("HTTP Request failed: {} with {}", arguments.url, results.status_code));
        }
        Ok(results)
    }
}

/// A request that got no answer: worth retrying, as the server may come back.
fn unreachable(url: &str, error: &reqwest::Error) -> ActionError {
    ActionError::transient(format!("HTTP Request failed: {url}: {}", describe(error)))
}

fn header_map(headers: Option<&BTreeMap<String, String>>) -> Result<HeaderMap, ActionError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers.into_iter().flatten() {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| ActionError::fatal(format!("invalid header name `{name}`")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| ActionError::fatal(format!("invalid value for the header `{name}`")))?;
        map.append(name, value);
    }
    Ok(map)
}

async fn read(response: reqwest::Response) -> Result<RequestResults, ActionError> {
    let status_code = response.status().as_u16();
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in response.headers() {
        let value = String::from_utf8_lossy(value.as_bytes());
        headers
            .entry(name.as_str().to_string())
            .and_modify(|v| *v = format!("{v}, {value}"))
            .or_insert_with(|| value.into_owned());
    }
    let text = response
        .text()
        .await
        .map_err(|e| ActionError::transient(format!("reading the response failed: {}", describe(&e))))?;
    Ok(RequestResults { status_code, headers, text })
}
