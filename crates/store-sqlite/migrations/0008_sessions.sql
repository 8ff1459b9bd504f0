-- Console sessions: a cookie's token, by hash, and the hash of the API key it was opened with.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_key ON sessions (key_hash, created_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
