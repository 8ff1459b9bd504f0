CREATE TABLE alerts (
    uuid TEXT PRIMARY KEY,
    short_id TEXT NOT NULL UNIQUE,
    status_uuid TEXT NOT NULL,
    rule_uuid TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX alerts_by_creation ON alerts (created_at DESC);

CREATE TABLE alert_comments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    alert_uuid TEXT NOT NULL REFERENCES alerts (uuid) ON DELETE CASCADE,
    body TEXT NOT NULL
);
CREATE INDEX alert_comments_by_alert ON alert_comments (alert_uuid, seq);

CREATE TABLE playbooks (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    deactivation_reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Versions outlive their playbook: runs pin the version they started on.
CREATE TABLE playbook_versions (
    playbook_uuid TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (playbook_uuid, version)
) WITHOUT ROWID;

CREATE TABLE runs (
    uuid TEXT PRIMARY KEY,
    playbook_uuid TEXT NOT NULL,
    playbook_version INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    trigger_event TEXT NOT NULL,
    nodes TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    error TEXT,
    events INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_playbook ON runs (playbook_uuid, created_at DESC);
CREATE INDEX runs_by_status ON runs (status, created_at);

CREATE TABLE run_events (
    run_uuid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (run_uuid, seq)
) WITHOUT ROWID;

CREATE TABLE module_configurations (
    uuid TEXT PRIMARY KEY,
    module_uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    sealed_secrets BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX module_configurations_by_module ON module_configurations (module_uuid);
