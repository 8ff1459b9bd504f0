use std::error::Error;
use std::sync::Arc;

use thiserror::Error;

/// What a storage backend refuses or fails at. Cloned when one failed commit answers every
/// write it held, so the cause is shared.
#[derive(Debug, Clone, Error)]
pub enum StoreError {
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the database is full or out of disk space: {0}")]
    Full(String),
    /// The backend failed: what it was doing, and the failure underneath when there is one.
    #[error("storage error: {context}")]
    Backend {
        context: String,
        #[source]
        source: Option<Arc<dyn Error + Send + Sync>>,
    },
}

impl StoreError {
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        StoreError::NotFound { what, id: id.into() }
    }

    /// A backend failure with nothing underneath.
    pub fn backend(context: impl Into<String>) -> Self {
        StoreError::Backend { context: context.into(), source: None }
    }

    /// A backend failure caused by `source`.
    pub fn caused(context: impl Into<String>, source: impl Error + Send + Sync + 'static) -> Self {
        StoreError::Backend { context: context.into(), source: Some(Arc::new(source)) }
    }
}

/// The conflict of saving a playbook edited from version `expected` when it is at `current`.
pub fn moved_since(current: i64, expected: Option<i64>) -> Option<StoreError> {
    let expected = expected.filter(|&v| v != current)?;
    Some(StoreError::Conflict(format!(
        "the playbook was saved as v{current} since v{expected}, the version this edit started from"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backend_failure_keeps_its_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let error = StoreError::caused("cannot open /data/riposte.db", io);
        assert_eq!(error.to_string(), "storage error: cannot open /data/riposte.db");
        let cause = error.source().expect("the cause is kept");
        assert_eq!(cause.to_string(), "denied");
        assert!(StoreError::backend("the writer has stopped").source().is_none());
    }
}
