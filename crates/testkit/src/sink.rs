use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// An external tool that records the headers and body of each request `POST`ed to its URL.
#[derive(Clone, Default)]
pub struct Sink {
    received: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    delay: Duration,
    failures: usize,
}

impl Sink {
    /// A tool that answers 200 at once; its URL.
    pub async fn start() -> (String, Sink) {
        Sink::default().serve().await
    }

    /// A tool that takes `delay` to answer each request and answers 500 to its first
    /// `failures`; its URL.
    pub async fn start_with(delay: Duration, failures: usize) -> (String, Sink) {
        Sink { delay, failures, ..Sink::default() }.serve().await
    }

    async fn serve(self) -> (String, Sink) {
        let app = Router::new().route("/sink", post(receive)).with_state(self.clone());
        (format!("http://{}/sink", crate::serve(app).await), self)
    }

    /// The bodies received, in order.
    pub fn bodies(&self) -> Vec<String> {
        self.received.lock().unwrap().iter().map(|(_, body)| body.clone()).collect()
    }

    /// The headers and body of each request received, in order.
    pub fn requests(&self) -> Vec<(HeaderMap, String)> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

async fn receive(State(sink): State<Sink>, headers: HeaderMap, body: String) -> StatusCode {
    let count = {
        let mut received = sink.received.lock().unwrap();
        received.push((headers, body));
        received.len()
    };
    tokio::time::sleep(sink.delay).await;
    if count <= sink.failures { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
}
