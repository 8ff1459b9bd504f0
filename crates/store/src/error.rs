use thiserror::Error;

#[derive(Debug, Clone, Error)]
pub enum StoreError {
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the database is full or out of disk space: {0}")]
    Full(String),
    #[error("storage error: {0}")]
    Backend(String),
}

impl StoreError {
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        StoreError::NotFound { what, id: id.into() }
    }
}
