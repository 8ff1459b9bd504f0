-- Large outputs of runs, kept out of `runs` and `run_events` so that those rows stay small.
CREATE TABLE run_outputs (
    run_uuid TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
) WITHOUT ROWID;
