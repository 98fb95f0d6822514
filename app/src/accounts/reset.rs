//! "Forgot password?": a link by email that sets a new password once, within an hour (server
//! only). The link carries a random token; the database keeps only its SHA-256, so reading
//! the table opens no account. Asking again replaces the unused links, and a password change
//! drops them; using one ends every session of the account. Asking is limited as logging in is, per email and per address,
//! and answers the same whether or not the email has an account.

use super::audit::{AuditEvent, AuditKind, Client};
use super::limits::{
    account_and_address_key, Audited, LoginGate, LOGIN_PER_ACCOUNT_AND_ADDRESS, RESET_PER_EMAIL,
    RESET_PER_IP,
};
use super::model::{Email, ResetLink};
use super::password;
use super::store;
use crate::domain::UserId;
use crate::error::AppError;
use crate::mail::{Letter, Mailer};
use crate::store::Db;
use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// How long a link works.
pub const LINK_LIFETIME_SECONDS: i64 = 60 * 60;

/// The secret of a reset link: 32 random bytes (256 bits) as 64 lower-case hex digits, safe
/// in a URL. Not `Serialize`, and `Debug` hides it: it must reach the email and nothing else.
#[derive(Clone, PartialEq, Eq)]
pub struct ResetToken(String);

impl ResetToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A token as it came back in a link; `None` for anything we cannot have made.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let ours = text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ours.then(|| Self(text.to_owned()))
    }

    /// What the database keeps: a fast hash is enough for 256 random bits, which nobody can
    /// guess, unlike a password.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ResetToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResetToken(***)")
    }
}

/// The limits on resets, audited as logging in's are; the audit names no account, which
/// would tell whether the email has one.
fn counted<'a>(
    db: &'a Db,
    gate: &'a LoginGate,
    client: &'a Client,
    now: DateTime<Utc>,
) -> Audited<'a> {
    Audited {
        db,
        gate,
        client,
        subject: None,
        now,
    }
}

/// Where a reset email goes out from, and the site's address for its link.
pub struct Outbox<'a> {
    pub mailer: &'a Arc<Mailer>,
    pub public_url: &'a str,
}

/// "Send reset link": emails a new link to the account using `email`, if there is one that
/// may log in. The answer, its status and its time are the same either way: once the asking
/// is counted, everything that depends on the account (looking it up, storing the link,
/// sending the email) happens in the background, after the answer.
pub async fn request(
    db: &Db,
    gate: &LoginGate,
    outbox: Outbox<'_>,
    client: &Client,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let email = Email::parse(email)?;
    let address = client.ip_key();
    // A flood is turned away here, before anything is read or written.
    gate.admit(&address, std::time::Instant::now())?;
    let limits = counted(db, gate, client, now);
    limits.take_audited(RESET_PER_IP, &address).await?.keep();
    limits
        .take_audited(RESET_PER_EMAIL, email.as_str())
        .await?
        .keep();
    let (db, client) = (db.clone(), client.clone());
    let (mailer, public_url) = (Arc::clone(outbox.mailer), outbox.public_url.to_owned());
    // Nothing waits for this task, so a shutdown may drop it: the person can ask again.
    tokio::spawn(async move {
        let issued = issue_link(&db, (&mailer, &public_url), &client, &email, now).await;
        if let Err(error) = issued {
            tracing::warn!(%error, "a password reset link was not made");
        }
    });
    Ok(())
}

/// Stores a new link for the account using `email`, if one may log in, and emails it.
async fn issue_link(
    db: &Db,
    (mailer, public_url): (&Mailer, &str),
    client: &Client,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(record) = store::find_by_email(db, email).await? else {
        return Ok(());
    };
    if !record.active {
        return Ok(());
    }
    let user = record.user;
    let token = ResetToken::generate();
    let audit = AuditEvent::new(
        AuditKind::PasswordResetRequested,
        None,
        Some(user.id),
        client,
    );
    let expires_at = now.timestamp() + LINK_LIFETIME_SECONDS;
    store::replace_password_reset(db, user.id, &token.digest(), (now, expires_at), &audit).await?;
    let letter = letter(&user.name, &user.email, &token, public_url);
    // The error names no address and no link (`MailError`).
    if let Err(error) = mailer.send(&letter).await {
        tracing::warn!(%error, "a password reset email was not sent");
    }
    Ok(())
}

/// The email with the link.
fn letter(name: &str, address: &str, token: &ResetToken, public_url: &str) -> Letter {
    Letter {
        to_name: name.to_owned(),
        to_address: address.to_owned(),
        subject: "Choose a new GearShare password".to_owned(),
        paragraphs: vec![
            "Someone, hopefully you, asked to reset the password of your GearShare account."
                .to_owned(),
            "The link below works once, for one hour. If you didn't ask, you can ignore this \
             email: your password stays as it is."
                .to_owned(),
        ],
        action: Some((
            "Choose a new password".to_owned(),
            format!(
                "{}/reset-password?token={}",
                public_url.trim_end_matches('/'),
                token.expose()
            ),
        )),
        footer: Vec::new(),
        unsubscribe: None,
        message_id: format!("reset-{}@gearshare", uuid::Uuid::new_v4().simple()),
    }
}

/// The link with token `token`, and what it can do at `now`.
async fn find(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(ResetLink, Option<(ResetToken, store::StoredReset)>), AppError> {
    let Some(token) = ResetToken::parse(token) else {
        return Ok((ResetLink::Unknown, None));
    };
    let Some(stored) = store::password_reset(db, &token.digest()).await? else {
        return Ok((ResetLink::Unknown, None));
    };
    let state = if !stored.active {
        ResetLink::Unknown
    } else if stored.used {
        ResetLink::Used
    } else if stored.expires_at <= now.timestamp() {
        ResetLink::Expired
    } else {
        ResetLink::Usable
    };
    Ok((state, Some((token, stored))))
}

/// What the link with `token` can do now; reads only (mail scanners open links).
pub async fn link(db: &Db, token: &str, now: DateTime<Utc>) -> Result<ResetLink, AppError> {
    Ok(find(db, token, now).await?.0)
}

fn refused(state: ResetLink) -> AppError {
    AppError::validation("token", state.refusal().unwrap_or_default())
}

/// Sets `new_password` through the link with `token`: the rules of sign-up, then the link is
/// used, every session of the account ends, and the change is audited. Tokens tried count
/// against the address like wrong passwords; answers the account.
pub async fn reset(
    db: &Db,
    gate: &LoginGate,
    client: &Client,
    token: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<UserId, AppError> {
    let address = client.ip_key();
    gate.admit(&address, std::time::Instant::now())?;
    let attempt = counted(db, gate, client, now)
        .take_audited(RESET_PER_IP, &address)
        .await?;
    let (state, found) = find(db, token, now).await?;
    let Some((token, stored)) = found.filter(|_| state == ResetLink::Usable) else {
        attempt.keep();
        return Err(refused(state));
    };
    attempt.give_back(db).await?;
    let new = password::acceptable(new_password, "new_password")?;
    let hash = password::hash(&new).await?;
    let user = stored.user_id;
    let audit = AuditEvent::new(AuditKind::PasswordReset, Some(user), Some(user), client);
    if !store::reset_password(db, &token.digest(), user, &hash, now, &audit).await? {
        return Err(refused(ResetLink::Used));
    }
    // Whoever holds the mailbox may now log in from here, even after wrong guesses.
    let pair = account_and_address_key(&stored.email, &address);
    LOGIN_PER_ACCOUNT_AND_ADDRESS.clear(db, &pair).await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_hex_and_hidden_from_debug() {
        let (a, b) = (ResetToken::generate(), ResetToken::generate());
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        assert_eq!(ResetToken::parse(a.expose()), Some(a.clone()));
        assert_eq!(format!("{a:?}"), "ResetToken(***)");
        assert_ne!(a.digest(), b.digest());
        for bad in ["", "abc", &"g".repeat(64), &"A".repeat(64), &"a".repeat(65)] {
            assert!(ResetToken::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_email_carries_the_link_to_the_reset_page() {
        let token = ResetToken::generate();
        let letter = letter("Ada", "ada@example.com", &token, "https://gs.example/");
        let (words, address) = letter.action.unwrap();
        assert_eq!(words, "Choose a new password");
        assert_eq!(
            address,
            format!("https://gs.example/reset-password?token={}", token.expose())
        );
        assert!(letter.unsubscribe.is_none());
    }
}
