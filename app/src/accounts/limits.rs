//! Rate limits on logging in, signing up, two-factor codes and photo uploads, per account and
//! per IP address (server only). Attempts are rows in the database, so every app instance
//! counts the same attempts, and a limit outlives a restart.

use crate::db::Db;
use crate::error::AppError;
use crate::on_pool;

#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub name: &'static str,
    pub max_attempts: i64,
    pub window_seconds: i64,
}

const FIFTEEN_MINUTES: i64 = 15 * 60;

/// Five wrong passwords for one email lock logging in to it for up to 15 minutes.
pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    name: "login:account",
    max_attempts: 5,
    window_seconds: FIFTEEN_MINUTES,
};
/// Twenty wrong passwords from one address in 15 minutes, whichever emails they name.
pub const LOGIN_PER_IP: Limit = Limit {
    name: "login:ip",
    max_attempts: 20,
    window_seconds: FIFTEEN_MINUTES,
};
/// Ten new accounts from one address per hour.
pub const SIGNUP_PER_IP: Limit = Limit {
    name: "signup:ip",
    max_attempts: 10,
    window_seconds: 60 * 60,
};
/// Five wrong two-factor codes for one account in 15 minutes (also guards disabling 2FA).
pub const CODE_PER_ACCOUNT: Limit = Limit {
    name: "code:account",
    max_attempts: 5,
    window_seconds: FIFTEEN_MINUTES,
};
/// Wrong current passwords on the account page (password change, account deletion).
pub const REAUTH_PER_ACCOUNT: Limit = Limit {
    name: "reauth:account",
    max_attempts: 5,
    window_seconds: FIFTEEN_MINUTES,
};

/// Photo uploads (each up to four files of 12 MB to decode and re-encode) per account and
/// hour, successful or not: plenty for an owner photographing a whole shelf of gear, and a
/// bound on the work one account can ask of the server.
pub const UPLOADS_PER_ACCOUNT: Limit = Limit {
    name: "upload:account",
    max_attempts: 30,
    window_seconds: 60 * 60,
};

pub const LONGEST_WINDOW_SECONDS: i64 = 60 * 60;

impl Limit {
    fn bucket(&self, key: &str) -> String {
        // Keys are emails, ids or addresses; the cap keeps a hostile value from bloating rows.
        let key: String = key.chars().take(300).collect();
        format!("{}:{key}", self.name)
    }

    /// Counts an attempt for `key` before the work it guards, so requests sent at once
    /// cannot all slip under the limit: each counts those recorded before it. Refuses with
    /// "try again in N minutes" (and forgets the refused attempt) once the limit is used up.
    /// A success gives its attempt back (`Attempt::give_back`) or clears the account's count.
    pub async fn take(&self, db: &Db, key: &str, now: i64) -> Result<Attempt, AppError> {
        let bucket = self.bucket(key);
        // Attempts on one bucket are counted one after another: SQLite's write lock at
        // BEGIN IMMEDIATE, a PostgreSQL advisory lock on the bucket. Without it, two guesses
        // whose ids were handed out in one order but committed in the other could each count
        // without the other and both slip under the limit (seen once in the PostgreSQL test).
        let lock = match db {
            Db::Sqlite(_) => "SELECT 1",
            Db::Postgres(_) => "SELECT pg_advisory_xact_lock(hashtext($1))",
        };
        let begin = db.write_transaction_sql();
        let (id, count, oldest): (i64, i64, Option<i64>) = on_pool!(db, pool => {
            let mut tx = pool.begin_with(begin).await?;
            let mut locking = sqlx::query(lock);
            if matches!(db, Db::Postgres(_)) {
                locking = locking.bind(&bucket);
            }
            locking.execute(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO auth_attempts (bucket, at) VALUES ($1, $2) RETURNING id",
            )
            .bind(&bucket)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(at) FROM auth_attempts WHERE bucket = $1 AND at > $2 AND id <= $3",
            )
            .bind(&bucket)
            .bind(now - self.window_seconds)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            (id, count, oldest)
        });
        let attempt = Attempt { id };
        if count <= self.max_attempts {
            return Ok(attempt);
        }
        attempt.give_back(db).await?;
        // Counting from the oldest attempt is conservative: it frees one attempt at a time.
        let wait = oldest.unwrap_or(now) + self.window_seconds - now;
        Err(AppError::RateLimited {
            retry_after_minutes: u32::try_from((wait + 59) / 60).unwrap_or(1).max(1),
        })
    }

    /// Forgets the failures of `key` after a success (an account's, never an address's).
    pub async fn clear(&self, db: &Db, key: &str) -> Result<(), AppError> {
        on_pool!(db, pool => sqlx::query("DELETE FROM auth_attempts WHERE bucket = $1")
            .bind(self.bucket(key))
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }
}

/// One counted attempt (a row of `auth_attempts`).
#[derive(Debug)]
#[must_use = "a successful attempt is given back, a failed one is kept"]
pub struct Attempt {
    id: i64,
}

impl Attempt {
    /// Uncounts the attempt: it succeeded (or was refused before doing anything).
    pub async fn give_back(self, db: &Db) -> Result<(), AppError> {
        on_pool!(db, pool => sqlx::query("DELETE FROM auth_attempts WHERE id = $1")
            .bind(self.id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Keeps the attempt counted: it failed.
    pub fn keep(self) {}
}
