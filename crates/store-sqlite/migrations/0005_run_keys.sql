-- Runs get an integer key, and what is written about them in bursts is stored by that key in
-- tables that only grow at their end. Keyed by a random UUID, every journal line landed on a
-- page of its own, and each commit wrote all of those pages again. The row of a run, which
-- each of its events updates, keeps only what changes; its trigger event (written once), its
-- journal lines and its per-node account (written once, when it ends) are rows of their own.
CREATE TABLE runs_by_id (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    playbook_uuid TEXT NOT NULL,
    playbook_version INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    error TEXT,
    events INTEGER NOT NULL DEFAULT 0
);
INSERT INTO runs_by_id (id, uuid, playbook_uuid, playbook_version, name, status, created_at, started_at, ended_at, error, events)
    SELECT rowid, uuid, playbook_uuid, playbook_version, name, status, created_at, started_at, ended_at, error, events
    FROM runs ORDER BY rowid;

CREATE TABLE run_triggers (
    run_id INTEGER PRIMARY KEY,
    event TEXT NOT NULL
);
INSERT INTO run_triggers (run_id, event) SELECT rowid, trigger_event FROM runs ORDER BY rowid;

CREATE TABLE run_journal (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL
);
CREATE UNIQUE INDEX run_journal_by_run ON run_journal (run_id, seq);
INSERT INTO run_journal (run_id, seq, event)
    SELECT runs.rowid, run_events.seq, run_events.event
    FROM run_events JOIN runs ON runs.uuid = run_events.run_uuid ORDER BY runs.rowid, run_events.seq;

CREATE TABLE run_accounts (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL UNIQUE,
    nodes TEXT NOT NULL
);
INSERT INTO run_accounts (run_id, nodes) SELECT rowid, nodes FROM runs WHERE nodes <> '[]' ORDER BY rowid;

DROP TABLE run_events;
DROP TABLE runs;
ALTER TABLE runs_by_id RENAME TO runs;
CREATE INDEX runs_by_playbook ON runs (playbook_uuid, created_at DESC);
CREATE INDEX runs_by_status ON runs (status, created_at);
