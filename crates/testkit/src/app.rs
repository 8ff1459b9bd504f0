use riposte::server::{Server, ServerOptions};
use tempfile::TempDir;

use crate::Api;

/// The whole server in this process, on a fresh data directory and a free port: what `riposte
/// serve` runs, without a process to start.
pub struct TestApp {
    /// A client with the admin key.
    pub api: Api,
    server: Option<Server>,
    dir: TempDir,
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(|_| {}).await
    }

    /// A server whose options `configure` changes from `riposte serve`'s defaults.
    pub async fn start_with(configure: impl FnOnce(&mut ServerOptions)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut options = ServerOptions::new(dir.path(), "127.0.0.1:0");
        configure(&mut options);
        let server = Server::start(options).await.unwrap();
        let api = Api::new(server.url(), server.admin_key.clone());
        TestApp { api, server: Some(server), dir }
    }

    /// The data directory.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Stops the server as `riposte serve` does on SIGTERM.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
    }
}

impl std::ops::Deref for TestApp {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}
