//! Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of
//! clock drift either way) and backup codes (server only).

use super::model::{BACKUP_CODE_CHARS, BACKUP_CODE_COUNT};
use crate::error::AppError;
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

const ISSUER: &str = "GearShare";
const SECRET_BYTES: usize = 20;

/// A TOTP shared secret. Not `Serialize`; `Debug` hides it.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_db(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_db(&self) -> &[u8] {
        &self.0
    }

    /// The secret as people type it into an authenticator app (base32).
    pub fn to_base32(&self) -> String {
        Secret::new(self.0.clone().into_boxed_slice()).to_base32()
    }

    fn totp(&self, account: &str) -> Result<Totp, AppError> {
        Builder::new()
            .with_secret(Secret::new(self.0.clone().into_boxed_slice()))
            .with_account_name(account.replace(':', ""))
            .with_issuer(Some(ISSUER))
            .build()
            .map_err(|e| AppError::internal("totp", e))
    }

    /// The time step the code belongs to when it is valid at `unix_seconds`. The caller
    /// refuses a step it has accepted before (RFC 6238 §5.2: each code works once).
    pub fn check(&self, code: &str, unix_seconds: u64) -> Result<Option<u64>, AppError> {
        Ok(self.totp("")?.check(code, unix_seconds))
    }

    /// The code an authenticator shows at `unix_seconds` (for tests and the demo account).
    pub fn code_at(&self, unix_seconds: u64) -> Result<String, AppError> {
        Ok(self.totp("")?.generate(unix_seconds).to_string())
    }

    /// An `otpauth://` link drawn as a QR code, as an inline SVG element.
    pub fn qr_svg(&self, account: &str) -> Result<String, AppError> {
        let url = self
            .totp(account)?
            .to_url()
            .map_err(|e| AppError::internal("totp url", e))?;
        let code =
            qrcode::QrCode::new(url.as_bytes()).map_err(|e| AppError::internal("qr code", e))?;
        let svg = code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build();
        // The renderer writes an XML prolog, which has no place inside an HTML document.
        Ok(svg
            .split_once("?>")
            .map_or(svg.as_str(), |(_, element)| element)
            .to_owned())
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

/// A backup code as typed, digested (SHA-256) before it is hashed again with the server's
/// key for storage; the database never sees the code itself.
#[derive(Clone, PartialEq, Eq)]
pub struct BackupCodeDigest([u8; 32]);

impl BackupCodeDigest {
    pub fn of(code: &str) -> Self {
        Self(Sha256::digest(code.as_bytes()).into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for BackupCodeDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupCodeDigest(***)")
    }
}

/// Ten fresh backup codes: what to show once, and what to store.
pub fn new_backup_codes() -> (Vec<String>, Vec<BackupCodeDigest>) {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = OsRng;
    let codes: Vec<String> = (0..BACKUP_CODE_COUNT)
        .map(|_| {
            (0..BACKUP_CODE_CHARS)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    let digests = codes
        .iter()
        .map(|code| BackupCodeDigest::of(code))
        .collect();
    let shown = codes
        .iter()
        .map(|code| format!("{}-{}", &code[..5], &code[5..]))
        .collect();
    (shown, digests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_valid_in_its_step_and_the_neighbouring_ones_only() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_000;
        let code = secret.code_at(now).unwrap();
        assert_eq!(secret.check(&code, now).unwrap(), Some(now / 30));
        assert_eq!(secret.check(&code, now + 30).unwrap(), Some(now / 30));
        assert_eq!(secret.check(&code, now + 90).unwrap(), None);
        assert_eq!(TotpSecret::generate().check(&code, now).unwrap(), None);
    }

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (we show the last six digits).
        let secret = TotpSecret::from_db(b"12345678901234567890".to_vec());
        assert_eq!(secret.code_at(59).unwrap(), "287082");
    }

    #[test]
    fn backup_codes_are_distinct_and_stored_as_hashes() {
        let (shown, hashes) = new_backup_codes();
        assert_eq!(shown.len(), BACKUP_CODE_COUNT);
        let unique: std::collections::HashSet<_> = shown.iter().collect();
        assert_eq!(unique.len(), BACKUP_CODE_COUNT);
        let typed = shown[0].replace('-', "");
        assert_eq!(BackupCodeDigest::of(&typed), hashes[0]);
        assert!(!hashes[0]
            .as_bytes()
            .windows(typed.len())
            .any(|w| w == typed.as_bytes()));
    }

    #[test]
    fn the_qr_code_is_an_svg_element() {
        let svg = TotpSecret::generate().qr_svg("ada@example.com").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.ends_with("</svg>"));
    }
}
