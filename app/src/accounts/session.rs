//! Server-side sessions: a tower-sessions store on our database (both backends), and what a
//! session holds about the person (server only).

use super::store::SessionWrite;
use crate::domain::UserId;
use crate::store::Db;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// The session key of a signed-in person.
pub const SIGNED_IN: &str = "signed_in";
/// The session key between a right password and the second factor.
pub const PENDING_LOGIN: &str = "pending_login";

/// Who is signed in, since when (for the absolute lifetime) and when they were last seen
/// (refreshed about once a minute, which also slides the idle expiry).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: UserId,
    pub since: i64,
    pub seen: i64,
}

/// A password was right; the person still has to give a code before `since` + 5 minutes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingLogin {
    pub user_id: UserId,
    pub since: i64,
    pub next: String,
}

pub const PENDING_LOGIN_SECONDS: i64 = 5 * 60;

/// The session key of a two-factor setup started by a plain form (no wasm to keep its
/// answer): the account page drawn next shows the pending setup again, to this session only
/// and for [`SETUP_SHOWN_SECONDS`], so a stolen session cannot read another's secret.
pub const SETUP_STARTED: &str = "two_factor_setup_started";
pub const SETUP_SHOWN_SECONDS: i64 = 10 * 60;

/// The session key of the backup codes a plain form's confirmation made: sealed, shown by
/// the next account page once, and dropped after [`CODES_SHOWN_SECONDS`] if never shown.
pub const CODES_TO_SHOW: &str = "backup_codes_to_show";
pub const CODES_SHOWN_SECONDS: i64 = 2 * 60;

/// Backup codes waiting in a session, sealed to their account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodesToShow {
    pub at: i64,
    pub key: i64,
    pub sealed: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn backend(error: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// The account a record belongs to, signed in or half-way through logging in.
fn owner_of(record: &Record) -> Option<UserId> {
    let user_of = |key: &str| {
        record
            .data
            .get(key)
            .and_then(|value| value.get("user_id"))
            .and_then(|id| serde_json::from_value::<UserId>(id.clone()).ok())
    };
    user_of(SIGNED_IN).or_else(|| user_of(PENDING_LOGIN))
}

impl DbSessionStore {
    /// Writes `record` as `how` says; the rows written.
    async fn write(&self, how: SessionWrite, record: &Record) -> session_store::Result<u64> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let id = record.id.to_string();
        let expires_at = record.expiry_date.unix_timestamp();
        self.db
            .write_session(how, &id, owner_of(record), &data, expires_at)
            .await
            .map_err(backend)
    }
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a collision is next to impossible, but is not overwritten.
        while self.write(SessionWrite::New, record).await? != 1 {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(SessionWrite::Update, record).await?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let row = self
            .db
            .session(&id.to_string(), now)
            .await
            .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date: OffsetDateTime::from_unix_timestamp(expires_at)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.db
            .delete_session(&id.to_string())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Ends every stored session of `user_id`.
pub async fn end_sessions_of(db: &Db, user_id: UserId) -> Result<u64, sqlx::Error> {
    db.end_sessions_of(user_id).await
}

/// How many unexpired sessions `user_id` has besides `current`.
pub async fn other_sessions(
    db: &Db,
    user_id: UserId,
    current: Option<Id>,
) -> Result<i64, sqlx::Error> {
    let current = current.map(|id| id.to_string()).unwrap_or_default();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    db.other_sessions(user_id, &current, now).await
}

/// Deletes audit records older than `retention`: the log answers for a year or so, and
/// does not grow forever.
pub async fn sweep_audit(
    db: &Db,
    now: chrono::DateTime<chrono::Utc>,
    retention: chrono::Duration,
) -> Result<u64, sqlx::Error> {
    db.delete_audit_before(now - retention).await
}

/// Removes expired sessions, old attempt counts and reset links a day past their expiry
/// (kept that long so that opening one says it expired or was used, rather than that it is
/// unknown); the server runs it every few minutes.
pub async fn sweep(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    const RESETS_KEPT_SECONDS: i64 = 24 * 60 * 60;
    db.sweep_sessions(
        now,
        now - super::limits::LONGEST_WINDOW_SECONDS,
        now - RESETS_KEPT_SECONDS,
    )
    .await
}
