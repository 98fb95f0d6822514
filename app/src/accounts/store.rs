//! Account queries. One text per query serves SQLite and PostgreSQL (see `crate::store`); a
//! change and its audit record are written in one transaction.

use super::audit::AuditEvent;
use super::model::{
    AccountStatus, AdminOverview, AuditEntry, CurrentUser, DisplayName, Email, Role, UserRow,
};
use super::password::PasswordHashText;
use super::two_factor::{BackupCodeDigest, TotpSecret};
use crate::domain::{ListingId, UserId};
use crate::error::AppError;
use crate::events::{NewEvent, Stream};
use crate::secrets::{KeyId, Keys, Sealed};
use crate::store::{Db, Text, Tx};
use crate::{on_pool, on_tx};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The statement that writes audit record `event` at `now`, on either backend: as a
/// statement of its own (a login, a failure) or inside the change it records.
fn insert_audit<'q, DB: sqlx::Database>(
    event: &'q AuditEvent,
    now: DateTime<Utc>,
) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<UserId>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let truncate = |text: &Option<String>, max: usize| {
        text.as_ref()
            .map(|t| t.chars().take(max).collect::<String>())
    };
    sqlx::query(
        "INSERT INTO audit_events (at, actor_id, subject_id, kind, ip, user_agent, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now)
    .bind(event.actor)
    .bind(event.subject)
    .bind(event.kind.as_str())
    .bind(truncate(&event.client.ip, 64))
    .bind(truncate(&event.client.user_agent, 400))
    .bind(event.detail.to_string())
}

impl Tx {
    /// Adds a review of `stars` to member `id`'s rating totals (`-stars`: takes one away),
    /// as an owner, or (`as_renter`) as a renter.
    pub async fn add_member_rating(
        &mut self,
        id: UserId,
        stars: i64,
        as_renter: bool,
    ) -> Result<(), sqlx::Error> {
        let sql = if as_renter {
            "UPDATE users SET renter_rating_count = renter_rating_count + $3, \
             renter_rating_sum = renter_rating_sum + $2 WHERE id = $1"
        } else {
            "UPDATE users SET rating_count = rating_count + $3, rating_sum = rating_sum + $2 \
             WHERE id = $1"
        };
        on_tx!(self, conn => sqlx::query(sql)
            .bind(id).bind(stars).bind(stars.signum())
            .execute(&mut *conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Writes the audit record `event` at `now`, in this transaction.
    pub async fn record_audit(
        &mut self,
        event: &AuditEvent,
        now: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => insert_audit(event, now).execute(conn).await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }
}

/// What logging in needs to know about an account.
#[derive(Debug)]
pub struct LoginRecord {
    pub user: CurrentUser,
    pub active: bool,
    pub password_hash: Option<PasswordHashText>,
    pub two_factor_on: bool,
}

type LoginRow = (
    UserId,
    String,
    String,
    Text<Role>,
    Text<AccountStatus>,
    Option<String>,
    bool,
    String,
);

const LOGIN_COLUMNS: &str =
    "id, name, email, role, status, password_hash, totp_enabled_at IS NOT NULL, time_zone";

fn login_record(
    (id, name, email, role, status, hash, two_factor_on, time_zone): LoginRow,
) -> LoginRecord {
    LoginRecord {
        user: CurrentUser {
            id,
            name,
            email,
            role: role.0,
            two_factor_on,
            time_zone,
        },
        active: status.0 == AccountStatus::Active,
        password_hash: hash.map(PasswordHashText::from_db),
        two_factor_on,
    }
}

pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<LoginRecord>, AppError> {
    let sql = format!("SELECT {LOGIN_COLUMNS} FROM users WHERE email = $1");
    let row: Option<LoginRow> = on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(email.as_str())
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(login_record))
}

pub async fn find_by_id(db: &Db, id: UserId) -> Result<Option<LoginRecord>, AppError> {
    let sql = format!("SELECT {LOGIN_COLUMNS} FROM users WHERE id = $1");
    let row: Option<LoginRow> = on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(login_record))
}

/// Turns the unique index on `users.email` into the message the form shows.
fn email_taken(error: sqlx::Error) -> AppError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => AppError::validation(
            "email",
            "An account with this email already exists. Log in instead, or use another email.",
        ),
        _ => error.into(),
    }
}

/// Ends an account change that `tx` wrote: its audit record and the account's event go in
/// the same transaction, so a change never lands without them.
async fn commit_audited(
    mut tx: Tx,
    audit: &AuditEvent,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    tx.record_audit(audit, now).await?;
    tx.append(account_event(audit).as_slice(), now).await?;
    tx.commit().await
}

impl Tx {
    async fn end_sessions(&mut self, id: UserId) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Deletes the person's reset links that were not used: a link must not outlive a
    /// suspension, a deletion, a password change or a newer link.
    async fn delete_unused_resets(&mut self, id: UserId) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query(
                "DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
            .bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Sets the password hash of an account that may log in; false when it may not (suspended
    /// or deleted meanwhile).
    async fn set_password_hash(
        &mut self,
        id: UserId,
        hash: &PasswordHashText,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let changed = on_tx!(self, conn => sqlx::query(
                "UPDATE users SET password_hash = $2, updated_at = $3 \
                 WHERE id = $1 AND status = 'active'")
            .bind(id).bind(hash.as_db()).bind(now)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(changed == 1)
    }

    async fn delete_backup_codes(&mut self, id: UserId) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => sqlx::query("DELETE FROM backup_codes WHERE user_id = $1")
            .bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

/// The account's stream hears of each audited change to it, by kind only: the detail, the
/// address and the browser stay in the audit record.
fn account_event(audit: &AuditEvent) -> Option<NewEvent> {
    let subject = audit.subject?;
    Some(NewEvent {
        stream: Stream::User(subject),
        kind: audit.kind.as_str(),
        payload: serde_json::json!({}),
        actor: audit.actor,
    })
}

pub struct NewAccount<'a> {
    pub id: UserId,
    pub email: &'a Email,
    pub name: &'a DisplayName,
    pub password_hash: &'a PasswordHashText,
    pub role: Role,
    /// A name `calendar::zones::known` accepted.
    pub time_zone: &'a str,
}

pub async fn create(
    db: &Db,
    account: &NewAccount<'_>,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    on_tx!(tx, conn => sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, role, time_zone, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
        .bind(account.id).bind(account.email.as_str()).bind(account.name.as_str())
        .bind(account.password_hash.as_db()).bind(account.role.as_str())
        .bind(account.time_zone).bind(now)
        .execute(conn).await.map(|done| done.rows_affected()))
    .map_err(email_taken)?;
    commit_audited(tx, audit, now).await?;
    Ok(())
}

/// Writes an audit record that goes with no change of its own (a login, a failure).
pub async fn record(db: &Db, audit: &AuditEvent, now: DateTime<Utc>) -> Result<(), AppError> {
    on_pool!(db, pool => insert_audit(audit, now).execute(pool).await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

/// The signed-in view of an account that may use GearShare now (active, not deleted).
pub async fn active_user(db: &Db, id: UserId) -> Result<Option<CurrentUser>, AppError> {
    Ok(find_by_id(db, id)
        .await?
        .filter(|record| record.active)
        .map(|record| record.user))
}

pub struct TwoFactorState {
    pub secret: Option<TotpSecret>,
    pub on: bool,
}

/// Why an authenticator secret is bound to its account: a sealed value copied into another
/// row does not open there.
fn secret_context(id: UserId) -> [u8; 16] {
    *id.uuid().as_bytes()
}

pub async fn two_factor_state(
    db: &Db,
    keys: &Keys,
    id: UserId,
) -> Result<TwoFactorState, AppError> {
    let (secret, key, on): (Option<Vec<u8>>, Option<i64>, bool) = on_pool!(db, pool => sqlx::query_as(
        "SELECT totp_secret, totp_key_id, totp_enabled_at IS NOT NULL FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await)?;
    let secret = match (secret, key) {
        (Some(bytes), Some(key)) => {
            let sealed = Sealed {
                key: KeyId(key),
                bytes,
            };
            let plain = keys
                .open(&sealed, &secret_context(id))
                .map_err(|e| AppError::internal("authenticator secret", e))?;
            Some(TotpSecret::from_db(plain))
        }
        // Start-up seals every clear secret before serving (`seal_clear_secrets`).
        (Some(_), None) => {
            return Err(AppError::internal(
                "authenticator secret",
                "stored unsealed",
            ));
        }
        (None, _) => None,
    };
    Ok(TwoFactorState { secret, on })
}

pub async fn two_factor_on(db: &Db, id: UserId) -> Result<bool, AppError> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await)?)
}

/// Keeps a new secret while the person confirms it; an active secret is never replaced.
pub async fn start_enrolment(
    db: &Db,
    keys: &Keys,
    id: UserId,
    secret: &TotpSecret,
) -> Result<bool, AppError> {
    let sealed = keys
        .seal(secret.as_db(), &secret_context(id))
        .map_err(|e| AppError::internal("authenticator secret", e))?;
    let updated = on_pool!(db, pool => sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_key_id = $3 WHERE id = $1 AND totp_enabled_at IS NULL",
    )
    .bind(id)
    .bind(sealed.bytes.as_slice())
    .bind(sealed.key.0)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(updated == 1)
}

/// Accepts authenticator step `step` once: a code seen before (a replay) is refused.
pub async fn accept_totp_step(db: &Db, id: UserId, step: i64) -> Result<bool, AppError> {
    let updated = on_pool!(db, pool => sqlx::query(
        "UPDATE users SET totp_last_step = $2 \
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(id)
    .bind(step)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(updated == 1)
}

pub async fn enable_two_factor(
    db: &Db,
    keys: &Keys,
    id: UserId,
    step: i64,
    backup_codes: &[BackupCodeDigest],
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<bool, AppError> {
    let key = keys.current();
    let hashes = backup_codes
        .iter()
        .map(|code| keys.keyed_hash(key, code.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::internal("backup code", e))?;
    let mut tx = db.begin_write().await?;
    let enabled = on_tx!(tx, conn => sqlx::query(
            "UPDATE users SET totp_enabled_at = $2, totp_last_step = $3, updated_at = $2 \
             WHERE id = $1 AND totp_secret IS NOT NULL AND totp_enabled_at IS NULL")
        .bind(id).bind(now).bind(step).execute(conn).await.map(|done| done.rows_affected()))?;
    if enabled != 1 {
        return Ok(false);
    }
    tx.delete_backup_codes(id).await?;
    for hash in &hashes {
        on_tx!(tx, conn => sqlx::query(
                "INSERT INTO backup_codes (user_id, code_hash, key_id) VALUES ($1, $2, $3)")
            .bind(id).bind(hash.as_slice()).bind(key.0)
            .execute(conn).await.map(|done| done.rows_affected()))?;
    }
    commit_audited(tx, audit, now).await?;
    Ok(true)
}

pub async fn disable_two_factor(
    db: &Db,
    id: UserId,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    on_tx!(tx, conn => sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_key_id = NULL, totp_enabled_at = NULL, \
             totp_last_step = NULL, updated_at = $2 WHERE id = $1")
        .bind(id).bind(now).execute(conn).await.map(|done| done.rows_affected()))?;
    tx.delete_backup_codes(id).await?;
    commit_audited(tx, audit, now).await?;
    Ok(())
}

/// Marks a backup code used; false when it does not exist or was used before. Codes are
/// stored as keyed hashes, each under the key current when it was made.
pub async fn use_backup_code(
    db: &Db,
    keys: &Keys,
    id: UserId,
    code: &BackupCodeDigest,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let key_ids: Vec<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT DISTINCT key_id FROM backup_codes WHERE user_id = $1 AND used_at IS NULL AND key_id IS NOT NULL",
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    for key in key_ids {
        let Ok(hash) = keys.keyed_hash(KeyId(key), code.as_bytes()) else {
            continue;
        };
        let updated = on_pool!(db, pool => sqlx::query(
            "UPDATE backup_codes SET used_at = $3 \
             WHERE user_id = $1 AND code_hash = $2 AND key_id = $4 AND used_at IS NULL",
        )
        .bind(id)
        .bind(hash.as_slice())
        .bind(now)
        .bind(key)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if updated == 1 {
            return Ok(true);
        }
    }
    Ok(false)
}

pub async fn backup_codes_left(db: &Db, id: UserId) -> Result<i64, AppError> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM backup_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(id)
    .fetch_one(pool)
    .await)?)
}

pub async fn update_profile(
    db: &Db,
    id: UserId,
    name: &DisplayName,
    email: &Email,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    on_tx!(tx, conn => sqlx::query(
            "UPDATE users SET name = $2, email = $3, updated_at = $4 WHERE id = $1")
        .bind(id).bind(name.as_str()).bind(email.as_str()).bind(now)
        .execute(conn).await.map(|done| done.rows_affected()))
    .map_err(email_taken)?;
    commit_audited(tx, audit, now).await?;
    Ok(())
}

/// Sets the zone `id`'s times are shown in (a name `calendar::zones::known` accepted).
pub async fn set_time_zone(
    db: &Db,
    id: UserId,
    time_zone: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    on_pool!(db, pool => sqlx::query("UPDATE users SET time_zone = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(time_zone).bind(now).execute(pool).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_password(
    db: &Db,
    id: UserId,
    hash: &PasswordHashText,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    // Only a signed-in person changes their password; an account suspended or deleted
    // meanwhile has lost its sessions, so it is treated as signed out.
    if !tx.set_password_hash(id, hash, now).await? {
        tx.rollback().await?;
        return Err(AppError::Unauthorized);
    }
    tx.delete_unused_resets(id).await?;
    commit_audited(tx, audit, now).await?;
    Ok(())
}

/// Suspends or reinstates an account; a deleted account stays deleted. Suspension ends the
/// person's sessions in the same transaction.
pub async fn set_suspended(
    db: &Db,
    id: UserId,
    suspended: bool,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<bool, AppError> {
    let (to, from) = if suspended {
        (AccountStatus::Suspended, AccountStatus::Active)
    } else {
        (AccountStatus::Active, AccountStatus::Suspended)
    };
    let mut tx = db.begin_write().await?;
    let changed = on_tx!(tx, conn => sqlx::query(
            "UPDATE users SET status = $2, updated_at = $4 WHERE id = $1 AND status = $3")
        .bind(id).bind(to.as_str()).bind(from.as_str()).bind(now)
        .execute(conn).await.map(|done| done.rows_affected()))?;
    if changed != 1 {
        return Ok(false);
    }
    if suspended {
        tx.end_sessions(id).await?;
        tx.delete_unused_resets(id).await?;
    }
    commit_audited(tx, audit, now).await?;
    Ok(true)
}

/// Changes the role and ends the person's sessions, so the new rights start with a new
/// session id.
pub async fn set_role(
    db: &Db,
    id: UserId,
    role: Role,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    on_tx!(tx, conn => sqlx::query("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(role.as_str()).bind(now)
        .execute(conn).await.map(|done| done.rows_affected()))?;
    tx.end_sessions(id).await?;
    commit_audited(tx, audit, now).await?;
    Ok(())
}

/// Erases the person's data and keeps the row, so that what others need (listings they
/// rented from, later bookings and reviews) still points somewhere: it shows "Deleted user".
/// Their listings are archived; their favourites, sessions, backup codes and webhooks go, and
/// their API tokens are revoked.
pub async fn erase(
    db: &Db,
    id: UserId,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<(), AppError> {
    let placeholder_email = format!("deleted-{id}@deleted.invalid");
    let mut tx = db.begin_write().await?;
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE users SET name = 'Deleted user', email = $2, password_hash = NULL, \
             totp_secret = NULL, totp_key_id = NULL, totp_enabled_at = NULL, \
             totp_last_step = NULL, city = NULL, bio = '', status = 'deleted', role = 'member', \
             deleted_at = $3, updated_at = $3 WHERE id = $1")
            .bind(id).bind(&placeholder_email).bind(now).execute(&mut *conn).await?;
        sqlx::query("UPDATE listings SET status = 'archived', updated_at = $2 WHERE owner_id = $1")
            .bind(id).bind(now).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM favourites WHERE user_id = $1")
            .bind(id).execute(&mut *conn).await?;
        // Nothing is sent for them or in their name any more.
        sqlx::query("DELETE FROM webhook_endpoints WHERE user_id = $1")
            .bind(id).execute(&mut *conn).await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(id).bind(now).execute(&mut *conn).await?;
        // The audit trail keeps who did what, but no longer where from.
        sqlx::query("UPDATE audit_events SET ip = NULL, user_agent = NULL \
                     WHERE subject_id = $1 OR actor_id = $1")
            .bind(id).execute(&mut *conn).await.map(|done| done.rows_affected())
    })?;
    tx.delete_backup_codes(id).await?;
    tx.delete_unused_resets(id).await?;
    tx.end_sessions(id).await?;
    commit_audited(tx, audit, now).await?;
    Ok(())
}

/// A password reset link as stored, found by its token's digest.
#[derive(Debug)]
pub struct StoredReset {
    pub user_id: UserId,
    pub email: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub used: bool,
    /// Whether the account may log in (not suspended or deleted).
    pub active: bool,
}

/// Keeps a new reset link for `user` (its token's SHA-256 only) in place of the unused ones,
/// with the audit record of the request.
pub async fn replace_password_reset(
    db: &Db,
    user: UserId,
    digest: &[u8; 32],
    (now, expires_at): (DateTime<Utc>, i64),
    audit: &AuditEvent,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    tx.delete_unused_resets(user).await?;
    on_tx!(tx, conn => sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)")
        .bind(digest.as_slice()).bind(user).bind(now.timestamp()).bind(expires_at)
        .execute(conn).await.map(|done| done.rows_affected()))?;
    tx.record_audit(audit, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The reset link whose token has SHA-256 `digest`, if there is one.
pub async fn password_reset(db: &Db, digest: &[u8; 32]) -> Result<Option<StoredReset>, AppError> {
    let row: Option<(UserId, String, i64, bool, bool)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT r.user_id, u.email, r.expires_at, r.used_at IS NOT NULL, u.status = 'active' \
         FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.token_hash = $1",
    )
    .bind(digest.as_slice())
    .fetch_optional(pool)
    .await)?;
    Ok(
        row.map(|(user_id, email, expires_at, used, active)| StoredReset {
            user_id,
            email,
            expires_at,
            used,
            active,
        }),
    )
}

/// Uses the reset link `digest` of `user` to set the password `hash`: marks the link used,
/// drops the person's other unused links and ends every session, in one transaction with the
/// audit record. False, and nothing changed, when the link was used meanwhile or the account
/// can no longer log in.
pub async fn reset_password(
    db: &Db,
    digest: &[u8; 32],
    user: UserId,
    hash: &PasswordHashText,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<bool, AppError> {
    let mut tx = db.begin_write().await?;
    let claimed = on_tx!(tx, conn => sqlx::query(
            "UPDATE password_resets SET used_at = $3 \
             WHERE token_hash = $1 AND user_id = $2 AND used_at IS NULL")
        .bind(digest.as_slice()).bind(user).bind(now.timestamp())
        .execute(conn).await.map(|done| done.rows_affected()))?;
    let changed = claimed == 1 && tx.set_password_hash(user, hash, now).await?;
    if !changed {
        tx.rollback().await?;
        return Ok(false);
    }
    tx.delete_unused_resets(user).await?;
    tx.end_sessions(user).await?;
    commit_audited(tx, audit, now).await?;
    Ok(true)
}

/// Everything GearShare holds about one person, for "Download my data".
#[derive(Debug, Serialize)]
pub struct DataExport {
    pub exported_at: DateTime<Utc>,
    pub account: ExportedAccount,
    pub listings: Vec<ExportedListing>,
    pub sessions: Vec<ExportedSession>,
    pub activity: Vec<AuditEntry>,
    /// The messages they wrote (what others wrote to them is those people's).
    pub messages: Vec<ExportedMessage>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedMessage {
    pub conversation_id: crate::domain::ConversationId,
    pub sent_at: DateTime<Utc>,
    pub body: String,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedAccount {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: String,
    pub status: String,
    pub time_zone: String,
    pub city: Option<String>,
    pub bio: String,
    pub two_factor_enabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct ExportedListing {
    pub id: ListingId,
    pub title: String,
    pub description: String,
    pub category: String,
    pub city: String,
    pub currency: String,
    pub daily_price_minor: i64,
    pub deposit_minor: i64,
    pub pickup_instructions: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct ExportedSession {
    pub expires_at: DateTime<Utc>,
}

const AUDIT_SELECT: &str = "SELECT e.id, e.at, e.actor_id, a.name AS actor_name, e.subject_id, \
     s.name AS subject_name, e.kind, e.ip, e.user_agent, e.detail \
     FROM audit_events e LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN users s ON s.id = e.subject_id";

pub async fn export(db: &Db, id: UserId, now: DateTime<Utc>) -> Result<DataExport, AppError> {
    let audit_sql =
        format!("{AUDIT_SELECT} WHERE e.subject_id = $1 OR e.actor_id = $1 ORDER BY e.id");
    on_pool!(db, pool => {
        let account: ExportedAccount = sqlx::query_as(
            "SELECT id, name, email, role, status, time_zone, city, bio, \
             totp_enabled_at AS two_factor_enabled_at, created_at, updated_at FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_one(pool)
        .await?;
        let listings: Vec<ExportedListing> = sqlx::query_as(
            "SELECT id, title, description, category_slug AS category, city, currency, \
             daily_price_minor, deposit_minor, pickup_instructions, status, created_at \
             FROM listings WHERE owner_id = $1 ORDER BY created_at",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        let expiries: Vec<i64> = sqlx::query_scalar(
            "SELECT expires_at FROM sessions WHERE user_id = $1 ORDER BY expires_at",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        let activity: Vec<AuditEntry> = sqlx::query_as(&audit_sql).bind(id).fetch_all(pool).await?;
        let messages: Vec<ExportedMessage> = sqlx::query_as(
            "SELECT conversation_id, sent_at, body FROM messages WHERE author_id = $1 \
             ORDER BY sent_at",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        Ok(DataExport {
            exported_at: now,
            account,
            listings,
            sessions: expiries
                .into_iter()
                .filter_map(|at| DateTime::from_timestamp(at, 0))
                .map(|expires_at| ExportedSession { expires_at })
                .collect(),
            activity,
            messages,
        })
    })
}

pub const AUDIT_PAGE: i64 = 50;

/// The newest audit records, `AUDIT_PAGE` at a time, older than `before` when given.
pub async fn audit_log(db: &Db, before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
    let sql = format!("{AUDIT_SELECT} WHERE e.id < $1 ORDER BY e.id DESC LIMIT $2");
    Ok(on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(before.unwrap_or(i64::MAX))
        .bind(AUDIT_PAGE)
        .fetch_all(pool)
        .await)?)
}

pub const USERS_PAGE: i64 = 50;

/// Accounts whose name or email contains `query`, newest first.
pub async fn list_users(db: &Db, query: &str, offset: i64) -> Result<Vec<UserRow>, AppError> {
    let pattern = format!(
        "%{}%",
        query
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    type Row = (
        UserId,
        String,
        String,
        Text<Role>,
        Text<AccountStatus>,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = on_pool!(db, pool => sqlx::query_as(
        "SELECT id, name, email, role, status, created_at FROM users \
         WHERE status <> 'deleted' AND (lower(name) LIKE $1 ESCAPE '\\' OR email LIKE $1 ESCAPE '\\') \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(pattern)
    .bind(USERS_PAGE)
    .bind(offset)
    .fetch_all(pool)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, role, status, created_at)| UserRow {
            id,
            name,
            email,
            role: role.0,
            status: status.0,
            created_at,
            you: false,
        })
        .collect())
}

pub async fn admin_overview(db: &Db) -> Result<AdminOverview, AppError> {
    let (accounts, suspended): (i64, i64) = on_pool!(db, pool => sqlx::query_as(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'suspended') FROM users WHERE status <> 'deleted'",
    )
    .fetch_one(pool)
    .await)?;
    Ok(AdminOverview {
        accounts,
        suspended,
    })
}

/// What sealing or re-sealing secrets at rest changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    pub authenticator_secrets: u64,
    pub backup_codes: u64,
    /// Unused backup codes hashed under an older key: hashes cannot be re-keyed, so that key
    /// must stay in the ring until their owners make new codes or use them up.
    pub backup_codes_on_old_keys: i64,
}

/// Seals what an older GearShare stored in clear: authenticator secrets, and backup codes
/// kept as bare SHA-256 digests (hashed again with the current key, which is what a code
/// typed now is compared against). Run at every start before serving; a no-op once done.
pub async fn seal_clear_secrets(db: &Db, keys: &Keys) -> Result<Resealed, AppError> {
    let mut done = Resealed::default();
    let clear: Vec<(UserId, Vec<u8>)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL AND totp_key_id IS NULL")
        .fetch_all(pool).await)?;
    for (id, secret) in clear {
        let sealed = keys
            .seal(&secret, &secret_context(id))
            .map_err(|e| AppError::internal("authenticator secret", e))?;
        done.authenticator_secrets += on_pool!(db, pool => sqlx::query(
            "UPDATE users SET totp_secret = $2, totp_key_id = $3 \
             WHERE id = $1 AND totp_key_id IS NULL AND totp_secret = $4")
            .bind(id).bind(sealed.bytes.as_slice()).bind(sealed.key.0).bind(secret.as_slice())
            .execute(pool).await.map(|d| d.rows_affected()))?;
    }
    let bare: Vec<(UserId, Vec<u8>)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT user_id, code_hash FROM backup_codes WHERE key_id IS NULL")
        .fetch_all(pool).await)?;
    let key = keys.current();
    for (user, digest) in bare {
        let hash = keys
            .keyed_hash(key, &digest)
            .map_err(|e| AppError::internal("backup code", e))?;
        done.backup_codes += on_pool!(db, pool => sqlx::query(
            "UPDATE backup_codes SET code_hash = $3, key_id = $4 \
             WHERE user_id = $1 AND code_hash = $2 AND key_id IS NULL")
            .bind(user).bind(digest.as_slice()).bind(hash.as_slice()).bind(key.0)
            .execute(pool).await.map(|d| d.rows_affected()))?;
    }
    Ok(done)
}

/// Moves every authenticator secret sealed under an older key to the current one
/// (`gearshare rotate-key`), one row at a time so that a sign-in meanwhile always finds a
/// value some key in the ring opens.
pub async fn reseal_secrets(db: &Db, keys: &Keys) -> Result<Resealed, AppError> {
    let mut done = seal_clear_secrets(db, keys).await?;
    let current = keys.current();
    let old: Vec<(UserId, Vec<u8>, i64)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT id, totp_secret, totp_key_id FROM users \
         WHERE totp_secret IS NOT NULL AND totp_key_id <> $1")
        .bind(current.0).fetch_all(pool).await)?;
    for (id, bytes, key) in old {
        let context = secret_context(id);
        let sealed = Sealed {
            key: KeyId(key),
            bytes,
        };
        let fresh = keys
            .open(&sealed, &context)
            .and_then(|plain| keys.seal(&plain, &context))
            .map_err(|e| AppError::internal("authenticator secret", e))?;
        done.authenticator_secrets += on_pool!(db, pool => sqlx::query(
            "UPDATE users SET totp_secret = $2, totp_key_id = $3 \
             WHERE id = $1 AND totp_key_id = $4 AND totp_secret = $5")
            .bind(id).bind(fresh.bytes.as_slice()).bind(fresh.key.0).bind(key)
            .bind(sealed.bytes.as_slice())
            .execute(pool).await.map(|d| d.rows_affected()))?;
    }
    done.backup_codes_on_old_keys = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM backup_codes WHERE used_at IS NULL AND key_id <> $1")
        .bind(current.0).fetch_one(pool).await)?;
    Ok(done)
}

/// How a session record is written: a new one never overwrites another's id; saving only
/// updates, so a session ended meanwhile (log out everywhere, suspension, password change)
/// stays ended even if a request that was already running writes it back.
#[derive(Clone, Copy, Debug)]
pub(super) enum SessionWrite {
    New,
    Update,
}

impl Db {
    /// The member's time zone as stored (an IANA name); `None` for an unknown member.
    pub(super) async fn time_zone_of(&self, id: UserId) -> Result<Option<String>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
            .bind(id).fetch_optional(pool).await)
    }

    /// Writes session `id`; answers the rows written (0: a new id was taken, or the session
    /// to update is gone).
    pub(super) async fn write_session(
        &self,
        how: SessionWrite,
        id: &str,
        user_id: Option<UserId>,
        data: &str,
        expires_at: i64,
    ) -> Result<u64, sqlx::Error> {
        let sql = match how {
            SessionWrite::New => {
                "INSERT INTO sessions (id, user_id, data, expires_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING"
            }
            SessionWrite::Update => {
                "UPDATE sessions SET user_id = $2, data = $3, expires_at = $4 WHERE id = $1"
            }
        };
        on_pool!(self, pool => sqlx::query(sql)
            .bind(id).bind(user_id).bind(data).bind(expires_at)
            .execute(pool).await.map(|done| done.rows_affected()))
    }

    /// Session `id`'s data and expiry, unless it expired by `now`.
    pub(super) async fn session(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<(String, i64)>, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(id).bind(now).fetch_optional(pool).await)
    }

    pub(super) async fn delete_session(&self, id: &str) -> Result<u64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id).execute(pool).await.map(|done| done.rows_affected()))
    }

    pub(super) async fn end_sessions_of(&self, user_id: UserId) -> Result<u64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id).execute(pool).await.map(|done| done.rows_affected()))
    }

    /// How many sessions of `user_id` other than `current` are alive at `now`.
    pub(super) async fn other_sessions(
        &self,
        user_id: UserId,
        current: &str,
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND id <> $2 AND expires_at > $3")
            .bind(user_id).bind(current).bind(now).fetch_one(pool).await)
    }

    /// How many bookings `user` rents or lends that are not over. It reads the bookings'
    /// table from here because bookings build on accounts, not the other way round.
    pub(super) async fn rentals_in_progress(&self, user: UserId) -> Result<i64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM bookings WHERE (renter_id = $1 OR owner_id = $1) \
             AND status NOT IN ('declined', 'expired', 'cancelled', 'completed')")
            .bind(user).fetch_one(pool).await)
    }

    pub(super) async fn delete_audit_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        on_pool!(self, pool => sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before).execute(pool).await.map(|done| done.rows_affected()))
    }

    /// Deletes sessions expired by `now`, login attempts counted before `attempts_before`
    /// and password reset links expired before `resets_before`.
    pub(super) async fn sweep_sessions(
        &self,
        now: i64,
        attempts_before: i64,
        resets_before: i64,
    ) -> Result<u64, sqlx::Error> {
        on_pool!(self, pool => {
            let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now).execute(pool).await?.rows_affected();
            let attempts = sqlx::query("DELETE FROM auth_attempts WHERE at < $1")
                .bind(attempts_before).execute(pool).await?.rows_affected();
            let resets = sqlx::query("DELETE FROM password_resets WHERE expires_at < $1")
                .bind(resets_before).execute(pool).await?.rows_affected();
            Ok(sessions + attempts + resets)
        })
    }
}

/// Counted attempts (`auth_attempts`), by bucket: a limit's name and its key.
impl Db {
    /// Counts an attempt in `bucket` at `now`; answers its id, and the count and oldest time
    /// of the bucket's attempts after `since` up to and including it. Attempts on one bucket
    /// are counted one after another (SQLite's one writer, a name lock on PostgreSQL):
    /// without that, two attempts whose ids were handed out in one order but committed in
    /// the other could each count without the other and both slip under the limit.
    pub(super) async fn count_attempt(
        &self,
        bucket: &str,
        now: i64,
        since: i64,
    ) -> Result<(i64, i64, Option<i64>), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let lock = tx.dialect().name_lock();
        let counted = on_tx!(tx, conn => {
            if let Some(lock) = lock {
                sqlx::query(lock).bind(bucket).execute(&mut *conn).await?;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO auth_attempts (bucket, at) VALUES ($1, $2) RETURNING id")
                .bind(bucket).bind(now).fetch_one(&mut *conn).await?;
            let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(at) FROM auth_attempts \
                 WHERE bucket = $1 AND at > $2 AND id <= $3")
                .bind(bucket).bind(since).bind(id).fetch_one(&mut *conn).await?;
            Ok::<_, sqlx::Error>((id, count, oldest))
        })?;
        tx.commit().await?;
        Ok(counted)
    }

    /// The count, oldest and latest time of `bucket`'s attempts after `since`.
    pub(super) async fn attempts_since(
        &self,
        bucket: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>, Option<i64>), sqlx::Error> {
        on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), MIN(at), MAX(at) FROM auth_attempts WHERE bucket = $1 AND at > $2")
            .bind(bucket).bind(since).fetch_one(pool).await)
    }

    pub(super) async fn record_attempt(&self, bucket: &str, at: i64) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query("INSERT INTO auth_attempts (bucket, at) VALUES ($1, $2)")
            .bind(bucket).bind(at).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub(super) async fn clear_attempts(&self, bucket: &str) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query("DELETE FROM auth_attempts WHERE bucket = $1")
            .bind(bucket).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub(super) async fn forget_attempt(&self, id: i64) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query("DELETE FROM auth_attempts WHERE id = $1")
            .bind(id).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

impl Db {
    /// Makes demo account `id` an admin with two-factor on since `at`, without an audit
    /// record: for `gearshare seed` only, whose demo admin has no authenticator.
    pub async fn seed_admin(&self, id: UserId, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query(
                "UPDATE users SET role = 'admin', totp_enabled_at = $1 WHERE id = $2")
            .bind(at).bind(id).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }
}

crate::stored_text!(Role, "role");
crate::stored_text!(AccountStatus, "account status");
