-- What a module's account validator said of a configuration when it was made or last changed
-- (JSON: success, the reason of a refusal, when), shown with the configuration.
ALTER TABLE module_configurations ADD COLUMN account_check TEXT;
