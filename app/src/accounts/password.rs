//! Password hashing with argon2id and the common-password check (server only).
//!
//! Parameters follow OWASP's Password Storage Cheat Sheet for argon2id: 19 MiB of memory,
//! 2 iterations, 1 lane. Hashing takes tens of milliseconds of CPU, so it runs on tokio's
//! blocking pool, never on the async workers that serve other requests.

use super::model::NewPassword;
use crate::error::AppError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const LANES: u32 = 1;

/// A stored argon2id hash in PHC format. Not `Serialize`, and `Debug` hides it, so it cannot
/// reach a page or a log by accident.
#[derive(Clone)]
pub struct PasswordHashText(String);

impl PasswordHashText {
    pub fn from_db(text: String) -> Self {
        Self(text)
    }

    pub fn as_db(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHashText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashText(***)")
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The most common passwords of at least 8 characters (8,354 of Django's list of 20,000,
/// itself from Royce Williams's 2017 corpus), lower-cased.
static COMMON: LazyLock<std::collections::HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().collect());

/// Refuses a password that appears on the common-password list, whatever its case.
pub fn check_not_common(password: &NewPassword) -> Result<(), AppError> {
    if COMMON.contains(password.expose().to_lowercase().as_str()) {
        return Err(AppError::validation(
            "password",
            "This password is too common and easy to guess. Choose another.",
        ));
    }
    Ok(())
}

/// A new password as sign-up, a change and a reset take it: long enough and not on the common
/// list, refused under the form's own `field`. The one place a further rule would go.
pub fn acceptable(text: &str, field: &str) -> Result<NewPassword, AppError> {
    let refused_as = |error| match error {
        AppError::Validation { message, .. } => AppError::validation(field, message),
        other => other,
    };
    let password = NewPassword::parse(text).map_err(refused_as)?;
    check_not_common(&password).map_err(refused_as)?;
    Ok(password)
}

pub async fn hash(password: &NewPassword) -> Result<PasswordHashText, AppError> {
    let password = password.expose().to_owned();
    run_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| PasswordHashText(hash.to_string()))
            .map_err(|e| e.to_string())
    })
    .await
}

/// A hash of a random password, compared against when no account matches the email, so that
/// an unknown email costs as much time as a wrong password.
static DECOY: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(uuid::Uuid::new_v4().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// True when `password` matches `stored`; with no stored hash it still does the same work and
/// answers false.
pub async fn verify(password: &str, stored: Option<&PasswordHashText>) -> Result<bool, AppError> {
    let password = password.to_owned();
    let stored = stored.map(|hash| hash.0.clone());
    run_blocking(move || {
        let known = stored.is_some();
        let text = stored.unwrap_or_else(|| DECOY.clone());
        let parsed = PasswordHash::new(&text).map_err(|e| e.to_string())?;
        let matches = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(cause)) => Err(AppError::internal("password hashing", cause)),
        Err(join) => Err(AppError::internal("password hashing task", join)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for common in ["password", "Password1", "QWERTYUIOP", "iloveyou"] {
            let password = NewPassword::parse(common).unwrap();
            assert!(check_not_common(&password).is_err(), "{common}");
        }
        let rare = NewPassword::parse("kayak-tripod-lantern").unwrap();
        assert!(check_not_common(&rare).is_ok());
    }

    #[test]
    fn an_acceptable_password_is_refused_under_the_forms_field() {
        assert!(acceptable("kayak-tripod-lantern", "new_password").is_ok());
        for (bad, why) in [("short", "at least 8"), ("Password1", "too common")] {
            match acceptable(bad, "new_password") {
                Err(AppError::Validation { field, message }) => {
                    assert_eq!(field, "new_password");
                    assert!(message.contains(why), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let password = NewPassword::parse("kayak-tripod-lantern").unwrap();
        let hash = hash(&password).await.unwrap();
        assert!(
            hash.as_db().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_db()
        );
        assert!(verify("kayak-tripod-lantern", Some(&hash)).await.unwrap());
        assert!(!verify("kayak-tripod-lanterN", Some(&hash)).await.unwrap());
        assert!(!verify("kayak-tripod-lantern", None).await.unwrap());
        assert_eq!(format!("{hash:?}"), "PasswordHashText(***)");
    }
}
