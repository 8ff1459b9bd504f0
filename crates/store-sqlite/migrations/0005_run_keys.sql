-- Runs get an integer key, and their journal and per-node account are stored by it. Keyed by
-- a random UUID, every journal line landed on a page of its own, and each commit wrote all
-- of those pages again; keyed by the run's number, the rows of the runs going on sit together
-- at the end of their tables. The account, written once when a run ends, leaves the row that
-- every event of the run updates.
CREATE TABLE runs_by_id (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    playbook_uuid TEXT NOT NULL,
    playbook_version INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    trigger_event TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    error TEXT,
    events INTEGER NOT NULL DEFAULT 0
);
INSERT INTO runs_by_id (id, uuid, playbook_uuid, playbook_version, name, status, trigger_event, created_at, started_at, ended_at, error, events)
    SELECT rowid, uuid, playbook_uuid, playbook_version, name, status, trigger_event, created_at, started_at, ended_at, error, events
    FROM runs ORDER BY rowid;

CREATE TABLE run_accounts (
    run_id INTEGER PRIMARY KEY,
    nodes TEXT NOT NULL
);
INSERT INTO run_accounts (run_id, nodes) SELECT rowid, nodes FROM runs WHERE nodes <> '[]';

CREATE TABLE run_journal (
    run_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
INSERT INTO run_journal (run_id, seq, event)
    SELECT runs.rowid, run_events.seq, run_events.event FROM run_events JOIN runs ON runs.uuid = run_events.run_uuid;

DROP TABLE run_events;
DROP TABLE runs;
ALTER TABLE runs_by_id RENAME TO runs;
CREATE INDEX runs_by_playbook ON runs (playbook_uuid, created_at DESC);
CREATE INDEX runs_by_status ON runs (status, created_at);
