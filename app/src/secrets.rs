//! The server's keys for secrets at rest (server only): an AEAD (XChaCha20-Poly1305) that
//! seals values such as authenticator secrets, and a keyed hash (HMAC-SHA-256) for values
//! that are only ever compared, such as backup codes. Every sealed value and keyed hash is
//! stored with the id of the key that made it, so a new key can be added and values moved to
//! it (`gearshare rotate-key`) while the old ones still open.
//!
//! Keys come from the `SECRET_KEYS` setting or from a key file, one key per line as
//! `<id> <64 hex digits>`; the last line is the key new values are sealed with.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// A key's number, as stored beside what it sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub i64);

struct Key {
    id: KeyId,
    bytes: [u8; KEY_BYTES],
}

/// The keys, the newest last. `Debug` shows only their ids.
pub struct KeyRing {
    keys: Vec<Key>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<i64> = self.keys.iter().map(|k| k.id.0).collect();
        write!(f, "KeyRing(ids {ids:?})")
    }
}

/// Why the keys could not be read; none of these carries key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("line {0}: expected `<id> <64 hex digits>`")]
    BadLine(usize),
    #[error("key id {0} appears twice")]
    DuplicateId(i64),
    #[error("no key")]
    Empty,
    #[error("{0}")]
    File(String),
}

/// Why a value could not be sealed, opened or hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the value is too long to seal")]
    TooLong,
    #[error("no key {0} in the key ring")]
    UnknownKey(i64),
    #[error("the value does not open with its key (altered, or sealed for another record)")]
    Tampered,
}

/// A sealed value: what is stored, and the key that sealed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key: KeyId,
    pub bytes: Vec<u8>,
}

impl KeyRing {
    /// Reads keys in the key file's format.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys: Vec<Key> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || KeyError::BadLine(n + 1);
            let (id, hex) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
            let id = KeyId(id.parse().map_err(|_| bad())?);
            let bytes = from_hex(hex.trim()).ok_or_else(bad)?;
            if keys.iter().any(|k| k.id == id) {
                return Err(KeyError::DuplicateId(id.0));
            }
            keys.push(Key { id, bytes });
        }
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self { keys })
    }

    /// `SECRET_KEYS`: the key file's lines joined by commas.
    pub fn parse_setting(value: &str) -> Result<Self, KeyError> {
        Self::parse(&value.replace(',', "\n"))
    }

    /// The keys in `path`, creating the file with one new key (mode 0600) when there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let file_error = |e: std::io::Error| KeyError::File(format!("{}: {e}", path.display()));
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(file_error)?;
                }
                let ring = Self {
                    keys: vec![Key::generate(KeyId(1))],
                };
                write_private(path, &ring.to_text(), true).map_err(file_error)?;
                Ok(ring)
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// Adds a new key, which seals from now on; returns its id.
    pub fn add_key(&mut self) -> KeyId {
        let id = KeyId(self.keys.iter().map(|k| k.id.0).max().unwrap_or(0) + 1);
        self.keys.push(Key::generate(id));
        id
    }

    /// The ring in the key file's format.
    pub fn to_text(&self) -> String {
        let mut text = String::from("# GearShare secret keys: <id> <key>; the last one seals.\n");
        for key in &self.keys {
            text.push_str(&format!("{} {}\n", key.id.0, to_hex(&key.bytes)));
        }
        text
    }

    /// Writes the ring over `path`, replacing it whole (mode 0600).
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        write_private(path, &self.to_text(), false)
            .map_err(|e| KeyError::File(format!("{}: {e}", path.display())))
    }

    pub fn current(&self) -> KeyId {
        self.newest().id
    }

    pub fn ids(&self) -> Vec<KeyId> {
        self.keys.iter().map(|k| k.id).collect()
    }

    fn newest(&self) -> &Key {
        // `parse` and `load_or_create` never make an empty ring.
        &self.keys[self.keys.len() - 1]
    }

    fn key(&self, id: KeyId) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Seals `plain` with the newest key, bound to `context` (such as the owning record's
    /// id), so the value cannot be copied into another record and still open.
    pub fn seal(&self, plain: &[u8], context: &[u8]) -> Result<Sealed, SecretError> {
        let key = self.newest();
        let mut nonce = [0u8; NONCE_BYTES];
        OsRng.fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new((&key.bytes).into());
        let payload = Payload {
            msg: plain,
            aad: context,
        };
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .map_err(|_| SecretError::TooLong)?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(Sealed { key: key.id, bytes })
    }

    pub fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, SecretError> {
        let key = self
            .key(sealed.key)
            .ok_or(SecretError::UnknownKey(sealed.key.0))?;
        if sealed.bytes.len() < NONCE_BYTES {
            return Err(SecretError::Tampered);
        }
        let (nonce, body) = sealed.bytes.split_at(NONCE_BYTES);
        let cipher = XChaCha20Poly1305::new((&key.bytes).into());
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .map_err(|_| SecretError::Tampered)
    }

    /// The keyed hash of `value` under key `id` (for comparing, never for opening).
    pub fn keyed_hash(&self, id: KeyId, value: &[u8]) -> Result<Vec<u8>, SecretError> {
        let key = self.key(id).ok_or(SecretError::UnknownKey(id.0))?;
        // A separate purpose string keeps the hash key apart from the sealing key.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&key.bytes).map_err(|_| SecretError::Tampered)?;
        mac.update(b"gearshare keyed hash v1\0");
        mac.update(value);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl Key {
    fn generate(id: KeyId) -> Self {
        let mut bytes = [0u8; KEY_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Key { id, bytes }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<[u8; KEY_BYTES]> {
    if text.len() != KEY_BYTES * 2 || !text.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; KEY_BYTES];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(bytes)
}

/// Writes `text` to `path` readable by its owner only; `new` refuses to replace a file (two
/// instances starting at once must not each make a key). A replacement goes through a
/// temporary file and a rename, so a crash never leaves half a key file.
fn write_private(path: &Path, text: &str, new: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    if new {
        options.create_new(true);
        let mut file = options.open(path)?;
        file.write_all(text.as_bytes())?;
        return file.sync_all();
    }
    let temporary = path.with_extension("new");
    let _ = std::fs::remove_file(&temporary);
    options.create_new(true);
    let mut file = options.open(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// The key ring a server holds, and where it came from. When a value names a key the ring
/// lacks (another instance ran `gearshare rotate-key` on the shared key file), the file is
/// read again once before giving up, so instances need no restart for a rotation.
pub struct Keys {
    ring: std::sync::RwLock<std::sync::Arc<KeyRing>>,
    file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({:?}, file {:?})", self.ring(), self.file)
    }
}

impl Keys {
    /// Keys from the setting, which never change while running.
    pub fn fixed(ring: KeyRing) -> Self {
        Self {
            ring: std::sync::RwLock::new(std::sync::Arc::new(ring)),
            file: None,
        }
    }

    /// Keys from `file`, creating it with one new key when there is none.
    pub fn from_file(file: &Path) -> Result<Self, KeyError> {
        Ok(Self {
            ring: std::sync::RwLock::new(std::sync::Arc::new(KeyRing::load_or_create(file)?)),
            file: Some(file.to_owned()),
        })
    }

    pub fn ring(&self) -> std::sync::Arc<KeyRing> {
        match self.ring.read() {
            Ok(ring) => ring.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the key file again when the ring lacks `wanted`; true when it now has it.
    fn refresh_for(&self, wanted: KeyId) -> bool {
        let Some(file) = &self.file else {
            return false;
        };
        let Ok(text) = std::fs::read_to_string(file) else {
            return false;
        };
        let Ok(ring) = KeyRing::parse(&text) else {
            return false;
        };
        let found = ring.key(wanted).is_some();
        if found {
            match self.ring.write() {
                Ok(mut held) => *held = std::sync::Arc::new(ring),
                Err(poisoned) => *poisoned.into_inner() = std::sync::Arc::new(ring),
            }
        }
        found
    }

    fn with_key<T>(
        &self,
        key: KeyId,
        use_ring: impl Fn(&KeyRing) -> Result<T, SecretError>,
    ) -> Result<T, SecretError> {
        match use_ring(&self.ring()) {
            Err(SecretError::UnknownKey(_)) if self.refresh_for(key) => use_ring(&self.ring()),
            other => other,
        }
    }

    pub fn seal(&self, plain: &[u8], context: &[u8]) -> Result<Sealed, SecretError> {
        self.ring().seal(plain, context)
    }

    pub fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, SecretError> {
        self.with_key(sealed.key, |ring| ring.open(sealed, context))
    }

    pub fn current(&self) -> KeyId {
        self.ring().current()
    }

    pub fn keyed_hash(&self, id: KeyId, value: &[u8]) -> Result<Vec<u8>, SecretError> {
        self.with_key(id, |ring| ring.keyed_hash(id, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::parse(&format!("1 {}\n", "ab".repeat(32))).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let mut ring = ring();
        let sealed = ring.seal(b"authenticator secret", b"user-1").unwrap();
        assert_eq!(sealed.key, KeyId(1));
        assert!(!sealed
            .bytes
            .windows(b"authenticator".len())
            .any(|w| w == b"authenticator"));
        assert_eq!(
            ring.open(&sealed, b"user-1").unwrap(),
            b"authenticator secret"
        );
        assert_eq!(ring.open(&sealed, b"user-2"), Err(SecretError::Tampered));
        let mut altered = sealed.clone();
        let last = altered.bytes.len() - 1;
        altered.bytes[last] ^= 1;
        assert_eq!(ring.open(&altered, b"user-1"), Err(SecretError::Tampered));
        // After a new key, old values still open and new ones use the new key.
        assert_eq!(ring.add_key(), KeyId(2));
        assert_eq!(
            ring.open(&sealed, b"user-1").unwrap(),
            b"authenticator secret"
        );
        assert_eq!(ring.seal(b"x", b"user-1").unwrap().key, KeyId(2));
        let unknown = Sealed {
            key: KeyId(9),
            bytes: sealed.bytes,
        };
        assert_eq!(
            ring.open(&unknown, b"user-1"),
            Err(SecretError::UnknownKey(9))
        );
    }

    #[test]
    fn keyed_hashes_differ_per_key_and_repeat_per_key() {
        let mut ring = ring();
        let one = ring.keyed_hash(KeyId(1), b"code").unwrap();
        assert_eq!(one, ring.keyed_hash(KeyId(1), b"code").unwrap());
        ring.add_key();
        assert_ne!(one, ring.keyed_hash(KeyId(2), b"code").unwrap());
        assert_ne!(one, ring.keyed_hash(KeyId(1), b"code2").unwrap());
    }

    #[test]
    fn key_text_is_checked_and_never_shown() {
        assert_eq!(KeyRing::parse("").err(), Some(KeyError::Empty));
        assert_eq!(KeyRing::parse("1 abc").err(), Some(KeyError::BadLine(1)));
        let twice = format!("1 {0}\n1 {0}", "cd".repeat(32));
        assert_eq!(KeyRing::parse(&twice).err(), Some(KeyError::DuplicateId(1)));
        let ring = KeyRing::parse_setting(&format!("3 {},4 {}", "01".repeat(32), "02".repeat(32)))
            .unwrap();
        assert_eq!(ring.current(), KeyId(4));
        assert_eq!(format!("{ring:?}"), "KeyRing(ids [3, 4])");
        assert_eq!(KeyRing::parse(&ring.to_text()).unwrap().ids(), ring.ids());
    }

    #[test]
    fn a_new_key_file_is_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("gs-keys-{}", uuid::Uuid::new_v4()));
        let path = dir.join("secret-keys");
        let made = KeyRing::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let read = KeyRing::load_or_create(&path).unwrap();
        let sealed = made.seal(b"s", b"c").unwrap();
        assert_eq!(read.open(&sealed, b"c").unwrap(), b"s");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_server_reads_the_key_file_again_for_a_key_it_lacks() {
        let dir = std::env::temp_dir().join(format!("gs-keys-{}", uuid::Uuid::new_v4()));
        let path = dir.join("secret-keys");
        let running = Keys::from_file(&path).unwrap();
        // Another process rotates: adds key 2 to the file and seals with it.
        let mut rotated = KeyRing::load_or_create(&path).unwrap();
        rotated.add_key();
        rotated.save(&path).unwrap();
        let sealed = rotated.seal(b"s", b"c").unwrap();
        assert_eq!(running.current(), KeyId(1));
        assert_eq!(running.open(&sealed, b"c").unwrap(), b"s");
        assert_eq!(running.current(), KeyId(2));
        let fixed = Keys::fixed(ring());
        assert_eq!(fixed.open(&sealed, b"c"), Err(SecretError::UnknownKey(2)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
