use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use riposte_sdk::{Action, ActionContext, ActionError, ActionInfo, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::HttpClients;
use crate::client::describe;

/// Largest response body kept, in bytes.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// `Request URL`: one HTTP request, with the arguments and results of Sekoia's HTTP module.
pub struct RequestUrl {
    clients: HttpClients,
}

impl RequestUrl {
    pub fn new(clients: HttpClients) -> Self {
        RequestUrl { clients }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HttpMethod {
    #[serde(alias = "GET")]
    Get,
    #[serde(alias = "POST")]
    Post,
    #[serde(alias = "PUT")]
    Put,
    #[serde(alias = "PATCH")]
    Patch,
    #[serde(alias = "HEAD")]
    Head,
    #[serde(alias = "DELETE")]
    Delete,
}

impl HttpMethod {
    fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Head => "HEAD",
            HttpMethod::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq)]
pub enum AuthType {
    #[default]
    None,
    Basic,
    Digest,
    Bearer,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RequestArguments {
    /// Target URL
    #[schemars(url)]
    pub url: String,
    /// HTTP method
    pub method: HttpMethod,
    /// HTTP headers to send
    #[serde(default)]
    pub headers: Option<Map<String, Value>>,
    /// Authentication scheme
    #[serde(default)]
    pub auth_type: AuthType,
    /// Token for the Bearer scheme
    #[serde(default)]
    pub auth_token: Option<String>,
    /// User name for the Basic and Digest schemes
    #[serde(default)]
    pub auth_username: Option<String>,
    /// Password for the Basic and Digest schemes
    #[serde(default)]
    pub auth_password: Option<String>,
    /// Raw body to send (form data or text)
    #[serde(default)]
    pub data: Option<String>,
    /// JSON body to send
    #[serde(default)]
    pub json: Option<Map<String, Value>>,
    /// Query string parameters, as an object (or a JSON object in a string)
    #[serde(default)]
    #[schemars(extend("type" = ["object", "string", "null"]))]
    pub params: Option<Value>,
    /// Fail the action when the response status is an error (4xx, 5xx)
    #[serde(default = "yes")]
    pub fail_on_http_error: bool,
    /// Verify the server's TLS certificate
    #[serde(default = "yes")]
    pub verify_ssl: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestResults {
    /// HTTP status code
    pub status_code: u16,
    /// HTTP reason phrase
    pub reason: String,
    /// Final URL, after redirects
    pub url: String,
    /// Response headers
    pub headers: BTreeMap<String, String>,
    /// Text encoding of the body
    pub encoding: Option<String>,
    /// Duration of the request, in seconds
    pub elapsed: f64,
    /// Response body as text
    pub text: String,
    /// Response body parsed as JSON, when the server says it is JSON
    pub json: Option<Value>,
}

impl Action for RequestUrl {
    type Arguments = RequestArguments;
    type Results = RequestResults;

    const INFO: ActionInfo = ActionInfo {
        name: "Request URL",
        description: "Request an URL",
        docker_parameters: "request",
        uuid: Some(super::REQUEST_URL_UUID),
        secret_arguments: &["auth_token", "auth_password"],
        outputs: &[],
    };

    async fn run(&self, ctx: &mut ActionContext, args: RequestArguments) -> Result<RequestResults, ActionError> {
        ctx.info(format!("Request URL module started. Target URL: {}", args.url));
        let url = reqwest::Url::parse(&args.url)
            .map_err(|e| ActionError::fatal(format!("invalid url `{}`: {e}", args.url)))?;
        self.clients.check(&url).map_err(ActionError::fatal)?;
        let client = self.clients.get(args.verify_ssl);
        let started = Instant::now();
        let key = ctx.idempotency_key().to_string();
        let mut response = send(with_auth(build(client, url.clone(), &args, &key)?, &args)?).await?;
        if args.auth_type == AuthType::Digest && response.status() == StatusCode::UNAUTHORIZED {
            let authorization = digest_authorization(&response, &url, &args)?;
            response = send(build(client, url, &args, &key)?.header(AUTHORIZATION, authorization)).await?;
        }
        let results = read_response(response, started).await?;
        if args.fail_on_http_error && results.status_code >= 400 {
            ctx.error(format!("HTTP Request failed: {} with {}", args.url, results.status_code));
        }
        Ok(results)
    }
}

/// Header carrying the node's idempotency key, so that the receiver can recognise a request
/// repeated after a retry or a restart (unless the playbook sets this header itself).
const IDEMPOTENCY_KEY: &str = "idempotency-key";

fn build(
    client: &reqwest::Client,
    url: reqwest::Url,
    args: &RequestArguments,
    key: &str,
) -> Result<RequestBuilder, ActionError> {
    let method = Method::from_bytes(args.method.as_str().as_bytes()).expect("standard methods are valid");
    let mut headers = headers(args.headers.as_ref())?;
    if args.auth_type != AuthType::None {
        // The auth scheme's credentials win over an Authorization header, as with `requests`.
        headers.remove(AUTHORIZATION);
    }
    if !key.is_empty() && !headers.contains_key(IDEMPOTENCY_KEY) {
        headers.insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_str(key).map_err(|_| ActionError::fatal("invalid idempotency key"))?,
        );
    }
    let mut request = client.request(method, url).headers(headers);
    if let Some(params) = query(args.params.as_ref())? {
        request = request.query(&params);
    }
    if let Some(json) = &args.json {
        request = request.json(json);
    } else if let Some(data) = &args.data {
        request = request.body(data.clone());
    }
    Ok(request)
}

async fn send(request: RequestBuilder) -> Result<Response, ActionError> {
    request.send().await.map_err(|e| ActionError::transient(format!("request failed: {}", describe(&e))))
}

fn headers(headers: Option<&Map<String, Value>>) -> Result<HeaderMap, ActionError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers.into_iter().flatten() {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| ActionError::fatal(format!("invalid header name `{name}`")))?;
        let value = HeaderValue::from_str(&text)
            .map_err(|_| ActionError::fatal(format!("invalid value for header `{name}`")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// `params` as query pairs: an object, or a string holding a JSON object.
fn query(params: Option<&Value>) -> Result<Option<Vec<(String, String)>>, ActionError> {
    let object = match params {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(map)) => map.clone(),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => {
            serde_json::from_str(text).map_err(|e| ActionError::fatal(format!("params must be a JSON object: {e}")))?
        }
        Some(other) => return Err(ActionError::fatal(format!("params must be an object, got {other}"))),
    };
    let pairs = object
        .into_iter()
        .flat_map(|(key, value)| match value {
            Value::Array(items) => items.into_iter().map(|item| (key.clone(), plain(item))).collect::<Vec<_>>(),
            other => vec![(key, plain(other))],
        })
        .collect();
    Ok(Some(pairs))
}

fn plain(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn with_auth(request: RequestBuilder, args: &RequestArguments) -> Result<RequestBuilder, ActionError> {
    Ok(match args.auth_type {
        AuthType::None | AuthType::Digest => request,
        AuthType::Bearer => {
            let token = args
                .auth_token
                .as_deref()
                .ok_or_else(|| ActionError::action("auth_token is required for the Bearer scheme"))?;
            request.bearer_auth(token)
        }
        AuthType::Basic => {
            let (user, password) = credentials(args)?;
            request.basic_auth(user, Some(password))
        }
    })
}

fn credentials(args: &RequestArguments) -> Result<(&str, &str), ActionError> {
    match (args.auth_username.as_deref(), args.auth_password.as_deref()) {
        (Some(user), Some(password)) => Ok((user, password)),
        _ => Err(ActionError::action("auth_username and auth_password are required for the Basic and Digest schemes")),
    }
}

fn digest_authorization(
    response: &Response,
    url: &reqwest::Url,
    args: &RequestArguments,
) -> Result<HeaderValue, ActionError> {
    let (user, password) = credentials(args)?;
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ActionError::action("the server answered 401 without a Digest challenge"))?;
    let mut prompt =
        digest_auth::parse(challenge).map_err(|e| ActionError::action(format!("invalid Digest challenge: {e}")))?;
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let method = digest_auth::HttpMethod::from(args.method.as_str());
    let context = digest_auth::AuthContext::new_with_method(user, password, &path, None::<&[u8]>, method);
    let answer = prompt
        .respond(&context)
        .map_err(|e| ActionError::action(format!("cannot answer the Digest challenge: {e}")))?;
    HeaderValue::from_str(&answer.to_header_string()).map_err(|_| ActionError::action("invalid Digest answer"))
}

async fn read_response(mut response: Response, started: Instant) -> Result<RequestResults, ActionError> {
    let status = response.status();
    let url = response.url().to_string();
    let headers: BTreeMap<String, String> = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let content_type = headers.get(CONTENT_TYPE.as_str()).cloned().unwrap_or_default();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ActionError::transient(format!("reading the response failed: {}", describe(&e))))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ActionError::action(format!("the response is larger than {MAX_BODY_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    let encoding = encoding(&content_type);
    let text = decode(&body, encoding.as_deref());
    let json =
        (content_type.contains("application/json") && status != StatusCode::NO_CONTENT && !text.trim().is_empty())
            .then(|| serde_json::from_str(&text).ok())
            .flatten();
    Ok(RequestResults {
        status_code: status.as_u16(),
        reason: status.canonical_reason().unwrap_or_default().to_string(),
        url,
        headers,
        encoding,
        elapsed: started.elapsed().as_secs_f64(),
        text,
        json,
    })
}

/// The body's encoding as Python's `requests` reports it: the declared charset, ISO-8859-1 for
/// text without one, UTF-8 for JSON.
fn encoding(content_type: &str) -> Option<String> {
    let lower = content_type.to_ascii_lowercase();
    let charset = lower
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("charset="))
        .map(|c| c.trim_matches('"').to_string());
    charset.or_else(|| {
        if lower.contains("text") {
            Some("ISO-8859-1".into())
        } else if lower.contains("application/json") {
            Some("utf-8".into())
        } else {
            None
        }
    })
}

fn decode(body: &[u8], encoding: Option<&str>) -> String {
    match encoding.map(str::to_ascii_lowercase).as_deref() {
        Some("iso-8859-1" | "latin-1" | "latin1") => body.iter().map(|&b| b as char).collect(),
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn encodings_follow_requests() {
        assert_eq!(encoding("application/json"), Some("utf-8".into()));
        assert_eq!(encoding("text/html"), Some("ISO-8859-1".into()));
        assert_eq!(encoding("text/plain; charset=UTF-8"), Some("utf-8".into()));
        assert_eq!(encoding("application/octet-stream"), None);
    }

    #[test]
    fn params_accept_objects_and_json_strings() {
        let pairs = query(Some(&serde_json::json!({"a": 1, "b": ["x", "y"]}))).unwrap().unwrap();
        assert_eq!(pairs, vec![("a".into(), "1".into()), ("b".into(), "x".into()), ("b".into(), "y".into())]);
        let pairs = query(Some(&Value::String("{\"q\": \"v\"}".into()))).unwrap().unwrap();
        assert_eq!(pairs, vec![("q".into(), "v".into())]);
        assert!(query(Some(&Value::String("q=v".into()))).is_err());
    }
}
