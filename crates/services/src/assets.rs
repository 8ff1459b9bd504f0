//! Assets that asset connectors send, on Sekoia's asset connector API: the intake whose
//! connector is an asset connector keeps the latest state of each asset it inventories.
//!
//! An asset is told apart by its OCSF class and the `uid` of what it describes (the `device` of
//! a Device Inventory Info, the `user` of a User Inventory Info...), so that each fetch cycle
//! replaces what the previous one sent; an asset without a `uid` is told apart by its content.

use riposte_store::{IntakeRecord, NewAsset};
use serde_json::Value;
use sha2::Digest;

use crate::{Result, ServiceError, Services};

/// Most assets one intake keeps.
pub const MAX_ASSETS_PER_INTAKE: u64 = 100_000;
/// Most assets one push may carry; Sekoia's SDK sends 100 at a time unless told otherwise.
pub const MAX_ASSETS_PER_PUSH: usize = 10_000;

/// Objects of an OCSF inventory record that name what it describes, in the order they are
/// looked for.
const SUBJECTS: [&str; 6] = ["device", "user", "software", "package", "vulnerability", "resource"];

impl Services {
    /// Keeps the assets `items` of `intake`'s asset connector; returns how many.
    pub async fn receive_assets(&self, intake: &IntakeRecord, items: &[Value]) -> Result<usize> {
        if items.len() > MAX_ASSETS_PER_PUSH {
            return Err(ServiceError::TooManyAssets { sent: items.len(), max: MAX_ASSETS_PER_PUSH });
        }
        let assets: Vec<NewAsset> = items.iter().map(new_asset).collect();
        let now = riposte_worker::now_ms();
        self.store.upsert_assets(&intake.uuid, &assets, now, MAX_ASSETS_PER_INTAKE).await?;
        Ok(assets.len())
    }
}

fn new_asset(item: &Value) -> NewAsset {
    let class_uid = item.get("class_uid").and_then(Value::as_i64);
    NewAsset { key: asset_key(item, class_uid), class_uid, asset: item.clone() }
}

/// `class:subject:uid` when the asset names what it describes, else a digest of its content.
pub fn asset_key(item: &Value, class_uid: Option<i64>) -> String {
    let class = class_uid.map_or_else(|| "-".to_string(), |c| c.to_string());
    if let Some(uid) = item.get("uid").and_then(uid_text) {
        return format!("{class}::{uid}");
    }
    for subject in SUBJECTS {
        if let Some(uid) = item.get(subject).and_then(|s| s.get("uid")).and_then(uid_text) {
            return format!("{class}:{subject}:{uid}");
        }
    }
    let content = serde_json::to_vec(item).unwrap_or_default();
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(content)))
}

fn uid_text(uid: &Value) -> Option<String> {
    match uid {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_asset_is_told_apart_by_its_class_and_the_uid_of_what_it_describes() {
        let device = json!({"class_uid": 5001, "device": {"uid": "d-1", "hostname": "laptop"}});
        assert_eq!(asset_key(&device, Some(5001)), "5001:device:d-1");
        let user = json!({"class_uid": 5003, "user": {"uid": 42, "name": "ann"}});
        assert_eq!(asset_key(&user, Some(5003)), "5003:user:42");
        assert_eq!(asset_key(&json!({"uid": "x"}), None), "-::x");
        let anonymous = json!({"class_uid": 5001, "device": {"hostname": "printer"}});
        let key = asset_key(&anonymous, Some(5001));
        assert!(key.starts_with("sha256:") && key.len() == 7 + 64, "{key}");
        assert_eq!(key, asset_key(&anonymous.clone(), Some(5001)), "the same content, the same key");
        assert_ne!(key, asset_key(&json!({"device": {"hostname": "scanner"}}), Some(5001)));
    }
}
