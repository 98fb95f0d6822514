//! Signing messages per the Standard Webhooks spec (server only): `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
//! `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), one per secret that signs.
//! The secret a member copies is `whsec_` + base64(key).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";
/// The key's length: the spec allows 24 to 64 bytes.
const KEY_BYTES: usize = 32;

/// A signing key. No `Debug`, so no log can hold it.
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; KEY_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The key from its `whsec_` text, as a receiver reads it.
    pub fn from_secret(secret: &str) -> Option<Self> {
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        STANDARD.decode(encoded).ok().map(Self)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// What the member copies.
    pub fn secret(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// One signature: `v1,` and the base64 of the HMAC.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: a signature by each key, newest first.
pub fn header(keys: &[&SigningKey], id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|key| key.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the Standard Webhooks reference libraries.
    #[test]
    fn signs_the_specs_example() {
        let key = SigningKey::from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            key.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_secret_reads_back_and_every_key_signs() {
        let (new, old) = (SigningKey::generate(), SigningKey::generate());
        let again = SigningKey::from_secret(&new.secret()).unwrap();
        assert_eq!(again.bytes(), new.bytes());
        assert!(new.secret().starts_with("whsec_"));
        let both = header(&[&new, &old], "msg_1", 10, "{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(
            parts,
            [new.sign("msg_1", 10, "{}"), old.sign("msg_1", 10, "{}")]
        );
        assert_ne!(parts[0], parts[1]);
        assert_ne!(new.sign("msg_1", 11, "{}"), parts[0]);
    }
}
