-- A run an alert starts names the alert's short id, for lists of runs. Runs from before this
-- named it only in their name ("Sekoia.io Alert: ALxxxx"), where it is read back from.
ALTER TABLE runs ADD COLUMN alert TEXT;
UPDATE runs SET alert = substr(name, 18) WHERE name LIKE 'Sekoia.io Alert: AL%';
