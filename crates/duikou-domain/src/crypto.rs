//! Protection of personal data at rest.
//!
//! One 32-byte master [`SecretKey`] is kept outside the database (a key file
//! holding one line of base64). Two sub-keys are derived from it with
//! HMAC-SHA256 and fixed labels, so the encryption key and the blind-index
//! key are independent:
//!
//! * `HMAC(master, "duikou aes-gcm v1")` — AES-256-GCM key for [`SecretKey::encrypt`];
//! * `HMAC(master, "duikou blind-index v1")` — HMAC key for [`SecretKey::blind_index`].
//!
//! Encrypted values are stored as `v1:` + base64(nonce ‖ ciphertext ‖ tag)
//! with a random 96-bit nonce, so equal plaintexts give different stored
//! values. The blind index (hex HMAC-SHA256) is deterministic and serves for
//! equality look-ups and de-duplication without decrypting.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Length of the master key in bytes.
pub const KEY_LEN: usize = 32;
/// Length of the AES-GCM nonce in bytes (96 bits).
const NONCE_LEN: usize = 12;
/// Length of the AES-GCM authentication tag in bytes.
const TAG_LEN: usize = 16;
/// Prefix of values produced by [`SecretKey::encrypt`].
pub const CIPHERTEXT_PREFIX: &str = "v1:";

const ENCRYPTION_LABEL: &[u8] = b"duikou aes-gcm v1";
const BLIND_INDEX_LABEL: &[u8] = b"duikou blind-index v1";

/// Errors of key handling and decryption. They never carry key material,
/// plaintext or ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Key material is not exactly 32 bytes.
    #[error("the key must be exactly {KEY_LEN} bytes, got {len}")]
    InvalidKeyLength {
        /// Number of bytes found.
        len: usize,
    },
    /// The key file does not hold valid base64.
    #[error("the key file does not contain valid base64")]
    InvalidKeyEncoding,
    /// The stored value does not start with a known version prefix.
    #[error("the encrypted value has an unknown format or version")]
    UnknownFormat,
    /// The stored value is not valid base64 or is too short.
    #[error("the encrypted value is malformed")]
    Malformed,
    /// Authentication failed: wrong key or tampered data.
    #[error("the encrypted value could not be decrypted (wrong key or altered data)")]
    DecryptionFailed,
    /// Decryption succeeded but the plaintext is not UTF-8.
    #[error("the decrypted value is not valid UTF-8 text")]
    InvalidUtf8,
}

/// A 32-byte master key and the sub-keys derived from it.
///
/// `Debug` prints no key bytes. The bytes are overwritten on drop
/// (best effort; copies made by the allocator or the OS are not covered).
#[derive(Clone)]
pub struct SecretKey {
    master: [u8; KEY_LEN],
    encryption_key: [u8; KEY_LEN],
    blind_index_key: [u8; KEY_LEN],
}

impl SecretKey {
    /// Generates a fresh random key from the operating system's CSPRNG.
    pub fn generate() -> SecretKey {
        let mut master = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut master);
        SecretKey::from_array(master)
    }

    /// Builds a key from exactly 32 bytes of key material.
    pub fn from_bytes(bytes: &[u8]) -> Result<SecretKey, CryptoError> {
        let master: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::InvalidKeyLength { len: bytes.len() })?;
        Ok(SecretKey::from_array(master))
    }

    /// The key file contents: one line of standard base64 of the 32 bytes,
    /// followed by a newline.
    pub fn to_file_contents(&self) -> String {
        let mut line = BASE64.encode(self.master);
        line.push('\n');
        line
    }

    /// Reads a key written by [`SecretKey::to_file_contents`]. Surrounding
    /// whitespace is ignored; anything else than base64 of 32 bytes is rejected.
    pub fn from_file_contents(contents: &str) -> Result<SecretKey, CryptoError> {
        let decoded = BASE64
            .decode(contents.trim())
            .map_err(|_| CryptoError::InvalidKeyEncoding)?;
        let key = SecretKey::from_bytes(&decoded);
        wipe(&mut decoded.into_boxed_slice());
        key
    }

    /// Encrypts `plaintext` with AES-256-GCM and a random 96-bit nonce.
    /// Returns `v1:` + base64(nonce ‖ ciphertext ‖ tag).
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption only fails for inputs beyond 64 GiB");
        let mut payload = Vec::with_capacity(NONCE_LEN + sealed.len());
        payload.extend_from_slice(&nonce);
        payload.extend_from_slice(&sealed);
        format!("{CIPHERTEXT_PREFIX}{}", BASE64.encode(payload))
    }

    /// Decrypts a value produced by [`SecretKey::encrypt`]. Fails (never
    /// panics) on an unknown format, malformed data, a wrong key or any
    /// alteration of the stored value.
    pub fn decrypt(&self, stored: &str) -> Result<String, CryptoError> {
        let encoded = stored
            .strip_prefix(CIPHERTEXT_PREFIX)
            .ok_or(CryptoError::UnknownFormat)?;
        let payload = BASE64.decode(encoded).map_err(|_| CryptoError::Malformed)?;
        if payload.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = payload.split_at(NONCE_LEN);
        let plaintext = self
            .cipher()
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| CryptoError::DecryptionFailed)?;
        String::from_utf8(plaintext).map_err(|error| {
            wipe(&mut error.into_bytes().into_boxed_slice());
            CryptoError::InvalidUtf8
        })
    }

    /// Lower-case hex of HMAC-SHA256(blind-index key, plaintext): deterministic
    /// for a given key, for equality look-ups and de-duplication. Callers
    /// should normalise the plaintext first (e.g. use [`crate::id_number::IdNumber::as_str`]).
    pub fn blind_index(&self, plaintext: &str) -> String {
        hex::encode(hmac_sha256(&self.blind_index_key, plaintext.as_bytes()))
    }

    fn from_array(master: [u8; KEY_LEN]) -> SecretKey {
        SecretKey {
            encryption_key: hmac_sha256(&master, ENCRYPTION_LABEL),
            blind_index_key: hmac_sha256(&master, BLIND_INDEX_LABEL),
            master,
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.encryption_key))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        wipe(&mut self.master);
        wipe(&mut self.encryption_key);
        wipe(&mut self.blind_index_key);
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Best-effort overwrite of secret bytes.
fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(&bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::RngCore;

    fn fixed_key(byte: u8) -> SecretKey {
        SecretKey::from_bytes(&[byte; KEY_LEN]).unwrap()
    }

    #[test]
    fn round_trip() {
        let key = SecretKey::generate();
        for text in ["11010519491231002X", "", "张三 / 云南省文山州", "a\nb\0c"] {
            let stored = key.encrypt(text);
            assert!(stored.starts_with("v1:"));
            assert_eq!(key.decrypt(&stored).unwrap(), text);
        }
    }

    #[test]
    fn encryptions_are_randomised() {
        let key = fixed_key(7);
        let a = key.encrypt("11010519491231002X");
        let b = key.encrypt("11010519491231002X");
        assert_ne!(a, b);
        assert_eq!(key.decrypt(&a).unwrap(), "11010519491231002X");
        assert_eq!(key.decrypt(&b).unwrap(), "11010519491231002X");
    }

    #[test]
    fn ciphertext_does_not_contain_plaintext() {
        let key = SecretKey::generate();
        let plaintext = "11010519491231002X";
        let stored = key.encrypt(plaintext);
        assert!(!stored.contains(plaintext));
        assert!(!stored.contains("19491231"));
        assert!(!stored.contains(&BASE64.encode(plaintext)));
        // nonce + plaintext + tag
        let payload = BASE64.decode(&stored[3..]).unwrap();
        assert_eq!(payload.len(), NONCE_LEN + plaintext.len() + TAG_LEN);
    }

    #[test]
    fn blind_index_is_deterministic_and_key_dependent() {
        let key = fixed_key(1);
        let same = fixed_key(1);
        let other = fixed_key(2);
        let index = key.blind_index("11010519491231002X");
        assert_eq!(index.len(), 64);
        assert!(
            index
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(index, key.blind_index("11010519491231002X"));
        assert_eq!(index, same.blind_index("11010519491231002X"));
        assert_ne!(index, other.blind_index("11010519491231002X"));
        assert_ne!(index, key.blind_index("110105194912310029"));
        assert!(!index.contains("19491231"));
    }

    #[test]
    fn sub_keys_are_separated() {
        let key = fixed_key(9);
        assert_ne!(key.encryption_key, key.blind_index_key);
        assert_ne!(key.encryption_key, key.master);
        assert_ne!(key.blind_index_key, key.master);
        // The blind index is not a plain HMAC under the master key.
        assert_ne!(
            key.blind_index("x"),
            hex::encode(hmac_sha256(&key.master, b"x"))
        );
        assert_eq!(
            key.encryption_key,
            hmac_sha256(&[9; 32], b"duikou aes-gcm v1")
        );
        assert_eq!(
            key.blind_index_key,
            hmac_sha256(&[9; 32], b"duikou blind-index v1")
        );
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let key = SecretKey::generate();
        let stored = key.encrypt("11010519491231002X");
        let mut payload = BASE64.decode(&stored[3..]).unwrap();
        for index in 0..payload.len() {
            payload[index] ^= 0x01;
            let tampered = format!("v1:{}", BASE64.encode(&payload));
            assert_eq!(key.decrypt(&tampered), Err(CryptoError::DecryptionFailed));
            payload[index] ^= 0x01;
        }
        // Truncation and extension.
        let short = format!("v1:{}", BASE64.encode(&payload[..payload.len() - 1]));
        assert_eq!(key.decrypt(&short), Err(CryptoError::DecryptionFailed));
        let mut longer = payload.clone();
        longer.push(0);
        let longer = format!("v1:{}", BASE64.encode(&longer));
        assert_eq!(key.decrypt(&longer), Err(CryptoError::DecryptionFailed));
    }

    #[test]
    fn wrong_key_fails() {
        let stored = fixed_key(1).encrypt("secret");
        assert_eq!(
            fixed_key(2).decrypt(&stored),
            Err(CryptoError::DecryptionFailed)
        );
        assert_eq!(
            SecretKey::generate().decrypt(&stored),
            Err(CryptoError::DecryptionFailed)
        );
    }

    #[test]
    fn bad_format_fails() {
        let key = fixed_key(1);
        assert_eq!(key.decrypt(""), Err(CryptoError::UnknownFormat));
        assert_eq!(key.decrypt("secret"), Err(CryptoError::UnknownFormat));
        assert_eq!(key.decrypt("v2:AAAA"), Err(CryptoError::UnknownFormat));
        assert_eq!(key.decrypt("v1:"), Err(CryptoError::Malformed));
        assert_eq!(key.decrypt("v1:!!!!"), Err(CryptoError::Malformed));
        assert_eq!(key.decrypt("v1:AAAA"), Err(CryptoError::Malformed));
        let stored = key.encrypt("secret");
        assert_eq!(
            key.decrypt(&format!("{stored} ")),
            Err(CryptoError::Malformed)
        );
    }

    #[test]
    fn non_utf8_plaintext_is_rejected() {
        let key = fixed_key(3);
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let sealed = key
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), &[0xff, 0xfe][..])
            .unwrap();
        let stored = format!("v1:{}", BASE64.encode([&nonce[..], &sealed].concat()));
        assert_eq!(key.decrypt(&stored), Err(CryptoError::InvalidUtf8));
    }

    #[test]
    fn key_file_round_trip() {
        let key = SecretKey::generate();
        let contents = key.to_file_contents();
        assert_eq!(contents.lines().count(), 1);
        assert!(contents.ends_with('\n'));
        let loaded = SecretKey::from_file_contents(&contents).unwrap();
        assert_eq!(loaded.master, key.master);
        let padded = format!("  \n{}\r\n\n", contents.trim());
        let loaded = SecretKey::from_file_contents(&padded).unwrap();
        let stored = key.encrypt("data");
        assert_eq!(loaded.decrypt(&stored).unwrap(), "data");
        assert_eq!(loaded.blind_index("data"), key.blind_index("data"));
    }

    #[test]
    fn key_file_rejects_bad_contents() {
        assert_eq!(
            SecretKey::from_file_contents("").err(),
            Some(CryptoError::InvalidKeyLength { len: 0 })
        );
        assert_eq!(
            SecretKey::from_file_contents("not base64!").err(),
            Some(CryptoError::InvalidKeyEncoding)
        );
        assert_eq!(
            SecretKey::from_file_contents(&BASE64.encode([0u8; 31])).err(),
            Some(CryptoError::InvalidKeyLength { len: 31 })
        );
        assert_eq!(
            SecretKey::from_file_contents(&BASE64.encode([0u8; 33])).err(),
            Some(CryptoError::InvalidKeyLength { len: 33 })
        );
        assert_eq!(
            SecretKey::from_bytes(&[0u8; 16]).unwrap_err(),
            CryptoError::InvalidKeyLength { len: 16 }
        );
    }

    #[test]
    fn debug_does_not_show_key_bytes() {
        let key = fixed_key(0xab);
        let debug = format!("{key:?} {key:#?}");
        assert!(!debug.contains("171"), "{debug}");
        assert!(!debug.to_lowercase().contains("ab"), "{debug}");
        assert!(!debug.contains(key.to_file_contents().trim()));
    }

    proptest! {
        #[test]
        fn decrypt_never_panics(s in any::<String>()) {
            let key = fixed_key(5);
            let _ = key.decrypt(&s);
            let _ = key.decrypt(&format!("v1:{s}"));
        }

        #[test]
        fn decrypt_never_panics_on_base64(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let key = fixed_key(5);
            let stored = format!("v1:{}", BASE64.encode(bytes));
            prop_assert!(key.decrypt(&stored).is_err());
        }

        #[test]
        fn round_trip_any_text(s in any::<String>()) {
            let key = fixed_key(6);
            prop_assert_eq!(key.decrypt(&key.encrypt(&s)).unwrap(), s);
        }
    }
}
