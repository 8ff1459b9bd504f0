//! Request bodies, read within bounds: a largest size per route (a declared `Content-Length`
//! over it is refused before a byte is read), a time to send the whole body, and a budget of body
//! bytes held in memory by all requests together, past which requests are turned away with 503
//! rather than queued.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body as HttpBody, Bytes};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::{ApiError, ApiResult};

/// Largest API request body.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Limits shared by every request body.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Time a client has to send a whole request body.
    pub timeout: Duration,
    /// Bytes of request bodies held in memory at once, all requests together.
    pub memory: usize,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits { timeout: Duration::from_secs(30), memory: 256 * 1024 * 1024 }
    }
}

/// The body budget, shared by the requests in progress.
#[derive(Debug, Clone)]
pub struct Bodies {
    memory: Arc<Semaphore>,
    timeout: Duration,
}

impl Bodies {
    pub fn new(limits: BodyLimits) -> Self {
        Bodies { memory: Arc::new(Semaphore::new(limits.memory)), timeout: limits.timeout }
    }

    /// A reader of `body`, which may be at most `max` bytes long: refused at once when its
    /// declared length is longer.
    pub(crate) fn reader(&self, headers: &HeaderMap, body: HttpBody, max: usize) -> ApiResult<Reader> {
        let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if let Some(declared) = declared
            && declared > max as u64
        {
            drain(body, self.timeout);
            return Err(too_large(max));
        }
        Ok(Reader {
            body,
            chunks: Vec::new(),
            received: 0,
            max,
            complete: false,
            permit: None,
            memory: self.memory.clone(),
            deadline: Instant::now() + self.timeout,
            timeout: self.timeout,
        })
    }
}

/// Most bytes of a refused body read (and dropped) so that its sender, still sending, gets the
/// answer rather than a reset connection.
const DRAIN_BYTES: usize = 16 * 1024 * 1024;

/// Reads and drops what comes of `body`, up to [`DRAIN_BYTES`] and `timeout`, while the answer
/// goes out.
fn drain(mut body: HttpBody, timeout: Duration) {
    tokio::spawn(async move {
        let mut left = DRAIN_BYTES;
        let _ = tokio::time::timeout(timeout, async {
            while let Some(Ok(frame)) = body.frame().await {
                let Ok(data) = frame.into_data() else { continue };
                left = left.saturating_sub(data.len());
                if left == 0 {
                    break;
                }
            }
        })
        .await;
    });
}

fn too_large(max: usize) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {max} bytes"))
}

/// A body read so far, holding its share of the budget.
pub(crate) struct Reader {
    body: HttpBody,
    chunks: Vec<Bytes>,
    received: usize,
    max: usize,
    complete: bool,
    permit: Option<OwnedSemaphorePermit>,
    memory: Arc<Semaphore>,
    deadline: Instant,
    timeout: Duration,
}

/// A whole body, and its share of the budget until it is dropped.
pub(crate) struct Held {
    pub bytes: Bytes,
    _permit: Option<OwnedSemaphorePermit>,
    memory: Arc<Semaphore>,
}

impl Held {
    /// Counts `bytes` more against the budget, until the permit is dropped: what a request
    /// builds from its body (an intake's events, each with its id) weighs on memory as its
    /// body does.
    pub fn reserve(&self, bytes: usize) -> ApiResult<OwnedSemaphorePermit> {
        take(&self.memory, u32::try_from(bytes).unwrap_or(u32::MAX))
    }
}

fn take(memory: &Arc<Semaphore>, bytes: u32) -> ApiResult<OwnedSemaphorePermit> {
    memory.clone().try_acquire_many_owned(bytes).map_err(|_| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is receiving too many request bodies: retry later")
    })
}

impl Reader {
    /// Reads until at least `enough` bytes are held or the body ends; true when it ended.
    pub async fn fill(&mut self, enough: usize) -> ApiResult<bool> {
        while !self.complete && self.received < enough {
            let frame = tokio::time::timeout_at(self.deadline, self.body.frame()).await.map_err(|_| {
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!("the request body did not arrive within {}s", self.timeout.as_secs()),
                )
            })?;
            let Some(frame) = frame else {
                self.complete = true;
                break;
            };
            let frame =
                frame.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("cannot read the body: {e}")))?;
            let Ok(data) = frame.into_data() else { continue };
            if self.received + data.len() > self.max {
                drain(std::mem::take(&mut self.body), self.timeout);
                return Err(too_large(self.max));
            }
            self.hold(data)?;
        }
        Ok(self.complete)
    }

    fn hold(&mut self, data: Bytes) -> ApiResult<()> {
        let size = u32::try_from(data.len()).map_err(|_| too_large(self.max))?;
        let permit = take(&self.memory, size)?;
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        self.received += data.len();
        self.chunks.push(data);
        Ok(())
    }

    /// The first bytes held, up to `len`, in one piece.
    pub fn prefix(&self, len: usize) -> Vec<u8> {
        let mut prefix = Vec::with_capacity(len.min(self.received));
        for chunk in &self.chunks {
            let take = (len - prefix.len()).min(chunk.len());
            prefix.extend_from_slice(&chunk[..take]);
            if prefix.len() == len {
                break;
            }
        }
        prefix
    }

    /// The whole body.
    pub async fn finish(mut self) -> ApiResult<Held> {
        self.fill(usize::MAX).await?;
        let bytes = match self.chunks.len() {
            1 => self.chunks.pop().unwrap_or_default(),
            _ => {
                // Each piece let go once copied: the body is not held twice over.
                let mut all = Vec::with_capacity(self.received);
                self.chunks.drain(..).for_each(|chunk| all.extend_from_slice(&chunk));
                Bytes::from(all)
            }
        };
        Ok(Held { bytes, _permit: self.permit, memory: self.memory })
    }
}

/// Requires a JSON content type: `application/json` or `application/<anything>+json`, with or
/// without parameters.
pub(crate) fn require_json(headers: &HeaderMap) -> ApiResult<()> {
    let media = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let json = essence == "application/json"
        || essence.strip_prefix("application/").is_some_and(|sub| sub.len() > 5 && sub.ends_with("+json"));
    if json {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send a JSON body with Content-Type: application/json"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_json_media_types_are_json() {
        for good in ["application/json", "Application/JSON; charset=utf-8", "application/merge-patch+json"] {
            assert!(require_json(&with_type(good)).is_ok(), "{good}");
        }
        for bad in ["application/jsonx", "text/json", "application/+json", "application/json5", ""] {
            assert!(require_json(&with_type(bad)).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_before_reading() {
        let bodies = Bodies::new(BodyLimits::default());
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("11"));
        let refused = bodies.reader(&headers, HttpBody::from("0123456789a"), 10).err().unwrap();
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn the_budget_is_shared_and_given_back() {
        let bodies = Bodies::new(BodyLimits { timeout: Duration::from_secs(5), memory: 10 });
        let first = bodies.reader(&HeaderMap::new(), HttpBody::from("0123456"), 100).unwrap().finish().await.unwrap();
        let second = bodies.reader(&HeaderMap::new(), HttpBody::from("0123456"), 100).unwrap().finish().await;
        assert_eq!(second.err().unwrap().status, StatusCode::SERVICE_UNAVAILABLE);
        drop(first);
        let third = bodies.reader(&HeaderMap::new(), HttpBody::from("0123456"), 100).unwrap().finish().await.unwrap();
        assert_eq!(&third.bytes[..], b"0123456");
    }

    #[tokio::test]
    async fn a_body_that_stalls_times_out() {
        let bodies = Bodies::new(BodyLimits { timeout: Duration::from_millis(50), memory: 100 });
        let (sender, stalled) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        sender.send(Ok(Bytes::from_static(b"{"))).await.unwrap();
        let body = HttpBody::from_stream(tokio_stream_from(stalled));
        let refused = bodies.reader(&HeaderMap::new(), body, 100).unwrap().finish().await.err().unwrap();
        assert_eq!(refused.status, StatusCode::REQUEST_TIMEOUT);
        drop(sender);
    }

    fn tokio_stream_from(
        mut receiver: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
    ) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
        futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
    }
}
