//! Secret configuration fields, sealed at rest with ChaCha20-Poly1305.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde_json::Value;

use crate::{Result, ServiceError};

const NONCE_LEN: usize = 12;

/// Seals and opens secret values with one key.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A key given as 64 hex characters.
    pub fn from_hex(hex_key: &str) -> Result<Sealer> {
        let bytes =
            hex::decode(hex_key.trim()).map_err(|e| ServiceError::Key(format!("the secret key is not hex: {e}")))?;
        if bytes.len() != 32 {
            return Err(ServiceError::Key(format!(
                "the secret key must be 32 bytes (64 hex characters), got {}",
                bytes.len()
            )));
        }
        Ok(Sealer { cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)) })
    }

    /// The key in `path`, made (32 random bytes, mode 0600) when the file does not exist yet.
    pub fn from_key_file(path: &Path) -> Result<Sealer> {
        let cannot =
            |what: &str, e: std::io::Error| ServiceError::Key(format!("cannot {what} {}: {e}", path.display()));
        if !path.exists() {
            let key = ChaCha20Poly1305::generate_key(&mut OsRng);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(|e| cannot("create", e))?;
            file.write_all(hex::encode(key).as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(|e| cannot("write", e))?;
        }
        let text = std::fs::read_to_string(path).map_err(|e| cannot("read", e))?;
        Sealer::from_hex(&text).map_err(|e| ServiceError::Key(format!("{}: {e}", path.display())))
    }

    pub fn seal(&self, secrets: &Value) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let plain = serde_json::to_vec(secrets).expect("JSON values serialise");
        let sealed = self.cipher.encrypt(&nonce, plain.as_slice()).expect("encryption of a buffer cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Value> {
        if sealed.is_empty() {
            return Ok(Value::Object(Default::default()));
        }
        if sealed.len() < NONCE_LEN {
            return Err(ServiceError::Sealed("sealed secrets are truncated".into()));
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), body).map_err(|_| {
            ServiceError::Sealed("cannot open the secrets: wrong secret key, or the data was altered".into())
        })?;
        serde_json::from_slice(&plain)
            .map_err(|e| ServiceError::Sealed(format!("the opened secrets are not JSON: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::from_key_file(&dir.path().join("secret.key")).unwrap();
        let sealed = sealer.seal(&json!({"api_key": "k3y"}));
        assert!(!String::from_utf8_lossy(&sealed).contains("k3y"));
        assert_eq!(sealer.open(&sealed).unwrap(), json!({"api_key": "k3y"}));
        let again = Sealer::from_key_file(&dir.path().join("secret.key")).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), json!({"api_key": "k3y"}), "the key file is reused");
        let other = Sealer::from_hex(&"ab".repeat(32)).unwrap();
        assert!(other.open(&sealed).unwrap_err().to_string().contains("wrong secret key"));
        assert!(Sealer::from_hex("abcd").unwrap_err().to_string().contains("32 bytes"));
    }
}
