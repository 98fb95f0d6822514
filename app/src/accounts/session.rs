//! Server-side sessions: a tower-sessions store on our database (both backends), and what a
//! session holds about the person (server only).

use crate::db::Db;
use crate::on_pool;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use uuid::Uuid;

/// The session key of a signed-in person.
pub const SIGNED_IN: &str = "signed_in";
/// The session key between a right password and the second factor.
pub const PENDING_LOGIN: &str = "pending_login";

/// Who is signed in, since when (for the absolute lifetime) and when they were last seen
/// (refreshed about once a minute, which also slides the idle expiry).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: Uuid,
    pub since: i64,
    pub seen: i64,
}

/// A password was right; the person still has to give a code before `since` + 5 minutes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingLogin {
    pub user_id: Uuid,
    pub since: i64,
    pub next: String,
}

pub const PENDING_LOGIN_SECONDS: i64 = 5 * 60;

const INSERT_NEW: &str = "INSERT INTO sessions (id, user_id, data, expires_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING";
/// Saving only updates: a session ended meanwhile (log out everywhere, suspension, password
/// change) stays ended even if a request that was already running writes it back.
const UPDATE: &str = "UPDATE sessions SET user_id = $2, data = $3, expires_at = $4 WHERE id = $1";

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
fn owner_of(record: &Record) -> Option<Uuid> {
    let user_of = |key: &str| {
        record
            .data
            .get(key)
            .and_then(|value| value.get("user_id"))
            .and_then(|id| serde_json::from_value::<Uuid>(id.clone()).ok())
    };
    user_of(SIGNED_IN).or_else(|| user_of(PENDING_LOGIN))
}

impl DbSessionStore {
    /// Runs `sql` (binding id, user_id, data, expires_at) for `record`; the rows written.
    async fn write(&self, sql: &str, record: &Record) -> session_store::Result<u64> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        on_pool!(&self.db, pool => sqlx::query(sql)
            .bind(record.id.to_string())
            .bind(owner_of(record))
            .bind(data)
            .bind(record.expiry_date.unix_timestamp())
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
        .map_err(backend)
    }
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a collision is next to impossible, but is not overwritten.
        while self.write(INSERT_NEW, record).await? != 1 {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(UPDATE, record).await?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let row: Option<(String, i64)> = on_pool!(&self.db, pool => sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now)
        .fetch_optional(pool)
        .await)
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
        on_pool!(&self.db, pool => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
        .map_err(backend)?;
        Ok(())
    }
}

/// Ends every stored session of `user_id`.
pub async fn end_sessions_of(db: &Db, user_id: Uuid) -> Result<u64, sqlx::Error> {
    on_pool!(db, pool => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
}

/// How many unexpired sessions `user_id` has besides `current`.
pub async fn other_sessions(
    db: &Db,
    user_id: Uuid,
    current: Option<Id>,
) -> Result<i64, sqlx::Error> {
    let current = current.map(|id| id.to_string()).unwrap_or_default();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND id <> $2 AND expires_at > $3",
    )
    .bind(user_id)
    .bind(current)
    .bind(now)
    .fetch_one(pool)
    .await)
}

/// Deletes audit records older than `retention`: the log answers for a year or so, and
/// does not grow forever.
pub async fn sweep_audit(
    db: &Db,
    now: chrono::DateTime<chrono::Utc>,
    retention: chrono::Duration,
) -> Result<u64, sqlx::Error> {
    on_pool!(db, pool => sqlx::query("DELETE FROM audit_events WHERE at < $1")
        .bind(now - retention)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
}

/// Removes expired sessions and old attempt counts; the server runs it every few minutes.
pub async fn sweep(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    on_pool!(db, pool => {
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected();
        let attempts = sqlx::query("DELETE FROM auth_attempts WHERE at < $1")
            .bind(now - super::limits::LONGEST_WINDOW_SECONDS)
            .execute(pool)
            .await?
            .rows_affected();
        Ok(sessions + attempts)
    })
}
