CREATE TABLE api_keys (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- SHA-256 of the key, hex: the key itself is shown once and never stored.
    key_hash TEXT NOT NULL UNIQUE,
    permissions TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
