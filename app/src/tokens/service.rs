//! Making, listing, revoking and checking API tokens (server only).

use super::{ApiTokenRow, ApiTokens, NewApiToken, TokenLifetime, TokenScope, TokenStatus};
use crate::accounts::audit::{AuditEvent, AuditKind};
use crate::accounts::model::CurrentUser;
use crate::domain::{ApiTokenId, UserId};
use crate::error::AppError;
use crate::request::Caller;
use crate::store::Db;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::OsRng;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

/// What every token starts with, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "gs_";
/// How many tokens one member may have working at once.
pub const MAX_LIVE_TOKENS: i64 = 20;
/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// How long a revoked or expired token stays on the account page.
const SHOWN_AFTER_END_DAYS: i64 = 30;
/// Last use is written at most this often per token: the API is not slowed by a write per
/// request, and the account page's "Last used" is still right to the minute.
const LAST_USE_RESOLUTION_SECONDS: i64 = 60;

/// A token's secret: the prefix and 32 random bytes in hex. No `Debug`, so no log can hold it.
struct Secret(String);

impl Secret {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("{TOKEN_PREFIX}{hex}"))
    }
}

/// What the database keeps of a presented secret.
fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `text` could be a token we made; anything else is refused without a query.
fn well_formed(text: &str) -> bool {
    text.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Makes a token for the member calling; audited. The secret is in the answer and nowhere
/// else.
pub async fn create(
    db: &Db,
    caller: &Caller,
    name: &str,
    scope: &str,
    lifetime: &str,
) -> Result<NewApiToken, AppError> {
    let name = name.trim();
    let name_problem = if name.is_empty() {
        Some("Give the token a name, such as the tool that will use it.".to_owned())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!("Use at most {MAX_NAME_CHARS} characters."))
    } else if name.chars().any(char::is_control) {
        Some("Use letters, digits, spaces and punctuation only.".to_owned())
    } else {
        None
    };
    let scope = TokenScope::parse(scope);
    let lifetime = TokenLifetime::parse(lifetime);
    let mut problems = Vec::new();
    if let Some(message) = name_problem {
        problems.push(crate::error::FieldProblem {
            field: "token_name".into(),
            message,
        });
    }
    if scope.is_none() {
        problems.push(crate::error::FieldProblem {
            field: "token_scope".into(),
            message: "Choose what the token may do.".into(),
        });
    }
    if lifetime.is_none() {
        problems.push(crate::error::FieldProblem {
            field: "token_expiry".into(),
            message: "Choose when the token expires.".into(),
        });
    }
    let (Some(scope), Some(lifetime), true) = (scope, lifetime, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let now = caller.now;
    let mut tx = db.begin_write().await?;
    if tx.live_api_tokens(caller.user.id, now).await? >= MAX_LIVE_TOKENS {
        return Err(AppError::LimitReached(format!(
            "You have {MAX_LIVE_TOKENS} working tokens, the most an account may have. \
             Revoke one you no longer use first."
        )));
    }
    let secret = Secret::generate();
    let id = ApiTokenId::new();
    let prefix: String = secret.0.chars().take(TOKEN_PREFIX.len() + 6).collect();
    tx.insert_api_token(
        id,
        caller.user.id,
        name,
        &digest(&secret.0),
        &prefix,
        scope,
        now,
        lifetime.ends(now),
    )
    .await?;
    let audit = AuditEvent::new(
        AuditKind::ApiTokenCreated,
        Some(caller.user.id),
        Some(caller.user.id),
        &caller.client,
    )
    .with_detail(json!({
        "token": id,
        "name": name,
        "scope": scope.as_str(),
        "expires_at": lifetime.ends(now),
    }));
    tx.record_audit(&audit, now).await?;
    tx.commit().await?;
    Ok(NewApiToken {
        name: name.to_owned(),
        secret: secret.0,
    })
}

/// The member's tokens for the account page.
pub async fn list(db: &Db, user: UserId, now: DateTime<Utc>) -> Result<ApiTokens, AppError> {
    let since = now - Duration::days(SHOWN_AFTER_END_DAYS);
    let rows = db.api_tokens(user, now, since).await?;
    let tokens = rows
        .into_iter()
        .map(
            |(id, name, prefix, scope, created_at, expires_at, last_used_at, revoked_at)| {
                let status = if revoked_at.is_some() {
                    TokenStatus::Revoked
                } else if expires_at.is_some_and(|end| end <= now) {
                    TokenStatus::Expired
                } else {
                    TokenStatus::Active
                };
                ApiTokenRow {
                    id,
                    name,
                    prefix,
                    scope: scope.0,
                    created_at,
                    expires_at,
                    last_used_at,
                    status,
                }
            },
        )
        .collect();
    Ok(ApiTokens { tokens })
}

/// Revokes one of the caller's tokens; audited. Another member's token, or one already
/// revoked, is "not found": nobody learns which tokens exist.
pub async fn revoke(db: &Db, caller: &Caller, id: ApiTokenId) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let Some(name) = tx.revoke_api_token(id, caller.user.id, caller.now).await? else {
        return Err(AppError::NotFound);
    };
    let audit = AuditEvent::new(
        AuditKind::ApiTokenRevoked,
        Some(caller.user.id),
        Some(caller.user.id),
        &caller.client,
    )
    .with_detail(json!({ "token": id, "name": name }));
    tx.record_audit(&audit, caller.now).await?;
    tx.commit().await?;
    Ok(())
}

/// The member a presented token acts for, and what it may do.
#[derive(Clone, Debug)]
pub struct TokenHolder {
    pub user: CurrentUser,
    pub token: ApiTokenId,
    pub scope: TokenScope,
}

/// Why a presented token was refused. The API answers each the same way (401), so a caller
/// cannot probe which tokens once existed; the log keeps the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("no such token")]
    Unknown,
    #[error("token expired")]
    Expired,
    #[error("token revoked")]
    Revoked,
    #[error("the token's account is suspended or deleted")]
    AccountClosed,
}

/// Checks a token presented at `now`: the member it acts for, or why not. Notes its use.
pub async fn authenticate(
    db: &Db,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Result<TokenHolder, TokenRefusal>, AppError> {
    if !well_formed(presented) {
        return Ok(Err(TokenRefusal::Unknown));
    }
    let Some((id, user, scope, expires_at, revoked_at, last_used_at)) =
        db.api_token_by_hash(&digest(presented)).await?
    else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if revoked_at.is_some() {
        return Ok(Err(TokenRefusal::Revoked));
    }
    if expires_at.is_some_and(|end| end <= now) {
        return Ok(Err(TokenRefusal::Expired));
    }
    let Some(user) = crate::accounts::store::active_user(db, user).await? else {
        return Ok(Err(TokenRefusal::AccountClosed));
    };
    if last_used_at.is_none_or(|at| (now - at).num_seconds() >= LAST_USE_RESOLUTION_SECONDS) {
        // The request goes on either way: a busy database only delays "Last used".
        if let Err(error) = db.api_token_used(id, now).await {
            tracing::warn!(%error, "could not note a token's use");
        }
    }
    // A token never reaches what only an admin may do: it acts as a member, whatever the
    // account's role.
    let user = CurrentUser {
        role: crate::accounts::model::Role::Member,
        ..user
    };
    Ok(Ok(TokenHolder {
        user,
        token: id,
        scope: scope.0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_hex_and_only_ours_are_well_formed() {
        let (a, b) = (Secret::generate(), Secret::generate());
        assert_ne!(a.0, b.0);
        assert!(well_formed(&a.0), "{}", a.0.len());
        assert_eq!(a.0.len(), TOKEN_PREFIX.len() + 64);
        assert!(!well_formed(&a.0[1..]));
        assert!(!well_formed(&a.0.to_uppercase()));
        assert!(!well_formed(&format!("{}0", a.0)));
        assert!(!well_formed(""));
    }

    #[test]
    fn the_digest_is_sha256_in_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn scopes_and_lifetimes_read_back_what_they_write() {
        for scope in TokenScope::ALL {
            assert_eq!(TokenScope::parse(scope.as_str()), Some(scope));
        }
        for life in TokenLifetime::ALL {
            assert_eq!(TokenLifetime::parse(life.as_str()), Some(life));
        }
        assert!(TokenScope::Write.allows(TokenScope::Read));
        assert!(!TokenScope::Read.allows(TokenScope::Write));
        assert!(TokenScope::Read.allows(TokenScope::Read));
        let now = Utc::now();
        assert_eq!(TokenLifetime::Never.ends(now), None);
        assert_eq!(
            TokenLifetime::Days30.ends(now),
            Some(now + Duration::days(30))
        );
    }
}
