//! Module configurations ("connected accounts"): plain fields stored as they are, fields the
//! module's manifest lists as `secrets` sealed; what actions and components run with is the two
//! put back together.

use std::sync::Arc;

use async_trait::async_trait;
use riposte_store::{AccountCheckRecord, ModuleConfiguration, Store};
use riposte_worker::{ConfigurationSource, Configurations, Resolved, Scrubber, WorkerError};
use serde_json::{Map, Value};

use crate::{Result, Sealer, ServiceError, Services};

/// Configurations for action calls: stored ones by UUID (secrets opened), else the built-in
/// defaults.
pub struct StoredConfigurations {
    pub store: Arc<dyn Store>,
    pub sealer: Sealer,
    pub defaults: Configurations,
}

#[async_trait]
impl ConfigurationSource for StoredConfigurations {
    async fn resolve(&self, module_uuid: &str, configuration_uuid: Option<&str>) -> Result<Resolved, WorkerError> {
        let Some(uuid) = configuration_uuid else { return self.defaults.resolve(module_uuid, None).await };
        let record = self.record(uuid).await?;
        // A configuration belongs to one module: another one would be handed its secrets.
        if !record.module_uuid.eq_ignore_ascii_case(module_uuid) {
            return Err(WorkerError::UnusableConfiguration {
                uuid: record.uuid,
                reason: format!("it belongs to module {}, not to module {module_uuid}", record.module_uuid),
            });
        }
        let secrets = self.open(&record)?;
        let mut value = record.value;
        let mut secret_values = Vec::new();
        if let Some(target) = value.as_object_mut() {
            for (key, secret) in secrets {
                if !secret.is_null() {
                    secret_values.push(secret.clone());
                }
                target.insert(key, secret);
            }
        }
        Ok(Resolved { value, secrets: secret_values })
    }

    async fn store_secrets(&self, configuration_uuid: &str, secrets: Map<String, Value>) -> Result<(), WorkerError> {
        let mut record = self.record(configuration_uuid).await?;
        let mut kept = self.open(&record)?;
        kept.extend(secrets);
        record.sealed_secrets = self.sealer.seal(&Value::Object(kept));
        record.updated_at = riposte_worker::now_ms();
        Ok(self.store.update_configuration(&record).await?)
    }
}

impl StoredConfigurations {
    async fn record(&self, uuid: &str) -> Result<ModuleConfiguration, WorkerError> {
        self.store.get_configuration(uuid).await?.ok_or_else(|| WorkerError::NoConfiguration(uuid.to_string()))
    }

    fn open(&self, record: &ModuleConfiguration) -> Result<Map<String, Value>, WorkerError> {
        opened(&self.sealer, record)
            .map_err(|e| WorkerError::UnusableConfiguration { uuid: record.uuid.clone(), reason: e.to_string() })
    }
}

/// The secret fields of `record`, opened.
fn opened(sealer: &Sealer, record: &ModuleConfiguration) -> Result<Map<String, Value>> {
    match sealer.open(&record.sealed_secrets)? {
        Value::Object(secrets) => Ok(secrets),
        _ => Err(ServiceError::Sealed("the sealed secrets are not an object".into())),
    }
}

/// A configuration's value split for storage.
pub struct Split {
    /// The plain fields.
    pub plain: Value,
    /// The secret fields, sealed.
    pub sealed: Vec<u8>,
    /// The names of the secret fields that hold a value.
    pub secret_names: Vec<String>,
}

impl Services {
    /// Splits `value` into its plain fields and its sealed `secrets`.
    pub fn seal_configuration(&self, secrets: &[String], value: Map<String, Value>) -> Split {
        let (secret, plain): (Map<String, Value>, Map<String, Value>) =
            value.into_iter().partition(|(k, _)| secrets.contains(k));
        let secret_names = secret.keys().cloned().collect();
        Split { plain: Value::Object(plain), sealed: self.sealer.seal(&Value::Object(secret)), secret_names }
    }

    /// The stored secret fields of `record`, opened.
    pub fn configuration_secrets(&self, record: &ModuleConfiguration) -> Result<Map<String, Value>> {
        opened(&self.sealer, record)
    }

    /// What `module_uuid`'s account validator says of `value` (secrets included), when the
    /// module is installed and registers one, as the configuration keeps it. Its secrets never
    /// show in what it says.
    pub async fn check_account(&self, module_uuid: &str, value: &Map<String, Value>) -> Option<AccountCheckRecord> {
        let module = self.registry.installed(module_uuid).filter(|m| m.launch.account_validator)?;
        let host = self.registry.host()?;
        let mut check = host.check_account(&module, Value::Object(value.clone())).await;
        let secrets: Vec<Value> = riposte_model::schema_secrets(&module.manifest.configuration)
            .iter()
            .filter_map(|name| value.get(name).cloned())
            .collect();
        if let (Some(error), Some(scrubber)) = (check.error.as_mut(), Scrubber::shared(&secrets)) {
            scrubber.text(error);
        }
        Some(AccountCheckRecord { success: check.success, error: check.error, checked_at: riposte_worker::now_ms() })
    }
}

/// Plain fields that say where a module connects or whom it trusts (`base_url`, `host`,
/// `instance`, `ca_certificate`, `verify_certificate`, a proxy...) whose value changes from `stored` to `new`: a stored secret
/// does not follow a configuration to a new destination.
pub fn redirected_fields(stored: &Value, new: &Map<String, Value>) -> Vec<String> {
    const DESTINATION: [&str; 16] = [
        "url", "uri", "host", "server", "endpoint", "domain", "address", "proxy", "tenant", "region", "port", "verify",
        "ssl", "tls", "instance", "cert",
    ];
    let names = stored.as_object().into_iter().flat_map(|m| m.keys()).chain(new.keys());
    let mut changed: Vec<String> = names
        .filter(|name| {
            let lower = name.to_ascii_lowercase();
            DESTINATION.iter().any(|word| lower.contains(word)) && stored.get(name.as_str()) != new.get(name.as_str())
        })
        .cloned()
        .collect();
    changed.dedup();
    changed
}

#[cfg(test)]
mod destination_tests {
    use serde_json::json;

    use super::redirected_fields;

    #[test]
    fn an_instance_or_a_certificate_is_a_destination() {
        let stored = json!({"instance": "eu1", "ca_certificate": "A", "name": "x"});
        for field in ["instance", "ca_certificate"] {
            let mut new = stored.as_object().unwrap().clone();
            new.insert(field.into(), json!("other"));
            assert_eq!(redirected_fields(&stored, &new), vec![field.to_string()]);
        }
        let renamed = json!({"instance": "eu1", "ca_certificate": "A", "name": "y"});
        assert!(redirected_fields(&stored, renamed.as_object().unwrap()).is_empty());
    }
}

#[cfg(test)]
mod resolve_tests {
    use std::sync::Arc;

    use riposte_store::{ConfigurationStore, ModuleConfiguration};
    use riposte_worker::{ConfigurationSource, Configurations, WorkerError};
    use serde_json::json;

    use super::StoredConfigurations;
    use crate::Sealer;

    #[tokio::test]
    async fn a_configuration_is_handed_to_its_own_module_only_with_secrets_of_any_type() {
        let store = Arc::new(riposte_store_memory::MemoryStore::new());
        let sealer = Sealer::from_hex(&"ab".repeat(32)).unwrap();
        let sealed = sealer.seal(&json!({"api_key": "k3y-s3cret", "pin": 73105829, "none": null}));
        let record: ModuleConfiguration = serde_json::from_value(json!({
            "uuid": "c-1", "module_uuid": "Module-A", "name": "account",
            "value": {"base_url": "https://example.test"}, "sealed_secrets": sealed, "created_at": 0, "updated_at": 0,
        }))
        .unwrap();
        store.insert_configuration(&record).await.unwrap();
        let source = StoredConfigurations { store, sealer, defaults: Configurations::new() };

        let refused = source.resolve("module-b", Some("c-1")).await.unwrap_err();
        assert!(matches!(&refused, WorkerError::UnusableConfiguration { .. }), "{refused}");
        assert!(refused.to_string().contains("belongs to module Module-A"), "{refused}");
        let resolved = source.resolve("module-a", Some("c-1")).await.unwrap();
        assert_eq!(resolved.value["api_key"], "k3y-s3cret");
        assert_eq!(resolved.secrets, [json!("k3y-s3cret"), json!(73105829)]);
    }
}
