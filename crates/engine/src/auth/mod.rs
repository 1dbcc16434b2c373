//! The instance secret key and the encryption of stored GitHub tokens (AES-256-GCM, with
//! the owning user's id as associated data so a ciphertext cannot be moved to another row).

use std::fmt;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const FORMAT_V1: u8 = 1;

/// 32 random bytes; every other key is derived from it. Never printed.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("must be 32 bytes written as 64 hex digits or as base64 (got {0} bytes)")]
    WrongLength(usize),
    #[error("must be 64 hex digits or base64")]
    NotEncoded,
    #[error("cannot read or create the key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

impl SecretKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SecretKey(bytes)
    }

    /// Parses 64 hex digits or base64 (standard or URL-safe, padded or not) of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| KeyError::NotEncoded)?
        } else {
            let engines = [
                base64::engine::general_purpose::STANDARD,
                base64::engine::general_purpose::STANDARD_NO_PAD,
                base64::engine::general_purpose::URL_SAFE,
                base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ];
            engines
                .iter()
                .find_map(|e| e.decode(text).ok())
                .ok_or(KeyError::NotEncoded)?
        };
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::WrongLength(bytes.len()))?;
        Ok(SecretKey(array))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads the key from `path`, creating it (mode 0600) with a fresh key when missing.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let file_error = |source| KeyError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => SecretKey::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let key = SecretKey::generate();
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(file_error)?;
                writeln!(file, "{}", key.to_hex()).map_err(file_error)?;
                Ok(key)
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// A key for one purpose, so that no two uses ever share key material.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// AES-256-GCM under a key derived for one purpose: sealed bytes carry a format byte and
/// a random nonce, and open only with the same purpose and associated data.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer([redacted])")
    }
}

impl Sealer {
    pub fn new(key: &SecretKey, purpose: &str) -> Self {
        let derived = key.derive(purpose);
        Sealer {
            cipher: Aes256Gcm::new_from_slice(&derived).expect("AES-256 takes a 32-byte key"),
        }
    }

    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .expect("AES-GCM encryption of a short message cannot fail");
        let mut out = Vec::with_capacity(1 + 12 + ciphertext.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 1 + 12 + 16 || sealed[0] != FORMAT_V1 {
            return None;
        }
        self.cipher
            .decrypt(
                Nonce::from_slice(&sealed[1..13]),
                Payload {
                    msg: &sealed[13..],
                    aad,
                },
            )
            .ok()
    }
}

/// Encrypts and decrypts GitHub tokens for storage, bound to the owning user's id.
#[derive(Clone, Debug)]
pub struct TokenCipher(Sealer);

impl TokenCipher {
    pub fn new(key: &SecretKey) -> Self {
        TokenCipher(Sealer::new(key, "pulseboard/github-token-encryption/v1"))
    }

    pub fn encrypt(&self, user_id: i64, token: &str) -> Vec<u8> {
        self.0.seal(&user_id.to_be_bytes(), token.as_bytes())
    }

    pub fn decrypt(&self, user_id: i64, stored: &[u8]) -> Result<String, crate::Error> {
        let plain = self
            .0
            .open(&user_id.to_be_bytes(), stored)
            .ok_or(crate::Error::Decrypt)?;
        String::from_utf8(plain).map_err(|_| crate::Error::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trip() {
        let cipher = TokenCipher::new(&SecretKey::generate());
        let sealed = cipher.encrypt(42, "gho_secret");
        assert_eq!(sealed[0], FORMAT_V1);
        assert!(!sealed.windows(10).any(|w| w == b"gho_secret"));
        assert_eq!(cipher.decrypt(42, &sealed).unwrap(), "gho_secret");
        // Same plaintext, fresh nonce: different ciphertext.
        assert_ne!(cipher.encrypt(42, "gho_secret"), sealed);
    }

    #[test]
    fn tampering_and_wrong_owner_or_key_fail() {
        let key = SecretKey::generate();
        let cipher = TokenCipher::new(&key);
        let mut sealed = cipher.encrypt(42, "gho_secret");
        assert!(matches!(
            cipher.decrypt(43, &sealed),
            Err(crate::Error::Decrypt)
        ));
        let other = TokenCipher::new(&SecretKey::generate());
        assert!(matches!(
            other.decrypt(42, &sealed),
            Err(crate::Error::Decrypt)
        ));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(
            cipher.decrypt(42, &sealed),
            Err(crate::Error::Decrypt)
        ));
        assert!(matches!(
            cipher.decrypt(42, &[1, 2, 3]),
            Err(crate::Error::Decrypt)
        ));
    }

    #[test]
    fn key_parsing() {
        let hex_key = "00".repeat(31) + "ff";
        assert_eq!(SecretKey::parse(&hex_key).unwrap().to_hex(), hex_key);
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(SecretKey::parse(&b64).unwrap().to_hex(), "07".repeat(32));
        assert!(matches!(
            SecretKey::parse("abcd"),
            Err(KeyError::WrongLength(3))
        ));
        assert!(matches!(
            SecretKey::parse("not a key!"),
            Err(KeyError::NotEncoded)
        ));
        assert_eq!(
            format!("{:?}", SecretKey::parse(&hex_key).unwrap()),
            "SecretKey([redacted])"
        );
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let a = SecretKey::load_or_create(&path).unwrap();
        let b = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(a.to_hex(), b.to_hex());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
