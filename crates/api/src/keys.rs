//! API keys: how they are made and found, and the ones held in memory (the admin key).

use riposte_model::Permissions;

/// A new API key: 244 random bits (two v4 UUIDs, from rand's thread generator: ChaCha, seeded and
/// reseeded by the OS), as hex.
pub fn new_key() -> String {
    format!("rp_{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// How stored keys are found: the SHA-256 of the key, as hex.
pub fn key_hash(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

/// API keys held in memory (the admin key) by secret, each with its permissions.
#[derive(Default)]
pub struct Keys {
    keys: Vec<(String, Permissions)>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets stay out of any log.
        f.debug_list().entries(self.keys.iter().map(|(_, permissions)| permissions)).finish()
    }
}

impl Keys {
    pub fn add(&mut self, secret: &str, permissions: Permissions) {
        self.keys.push((secret.to_string(), permissions));
    }

    /// The permissions of the held key whose hash is `hash` (a session's key).
    pub(crate) fn permissions_by_hash(&self, hash: &str) -> Option<Permissions> {
        let mut found = None;
        for (key, permissions) in &self.keys {
            if riposte_model::same_secret(&key_hash(key), hash) {
                found = Some(*permissions);
            }
        }
        found
    }

    pub(crate) fn permissions(&self, secret: &str) -> Option<Permissions> {
        // Every key is compared, each in full, so that timing says nothing about which prefix
        // of which key matched.
        let mut found = None;
        for (key, permissions) in &self.keys {
            if riposte_model::same_secret(key, secret) {
                found = Some(*permissions);
            }
        }
        found
    }
}
