-- A playbook may have several triggers: a run keeps the one it started from, written once with
-- its event. NULL is the playbook's first trigger, as every run before this had.
ALTER TABLE run_triggers ADD COLUMN node TEXT;
