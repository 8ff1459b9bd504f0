CREATE TABLE intakes (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    intake_key TEXT NOT NULL UNIQUE,
    -- JSON of the connector binding, or NULL for an intake that only receives.
    connector TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE intake_events (
    uuid TEXT PRIMARY KEY,
    intake_uuid TEXT NOT NULL REFERENCES intakes (uuid) ON DELETE CASCADE,
    message TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

CREATE INDEX intake_events_by_intake ON intake_events (intake_uuid, received_at);
