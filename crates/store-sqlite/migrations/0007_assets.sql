-- What asset connectors send: the latest state of each asset, by its key within its intake.
CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    intake_uuid TEXT NOT NULL REFERENCES intakes (uuid) ON DELETE CASCADE,
    key TEXT NOT NULL,
    class_uid INTEGER,
    asset TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    UNIQUE (intake_uuid, key)
);
