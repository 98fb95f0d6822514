//! Rate limits on logging in, signing up and two-factor codes, per account and per IP
//! address (server only). Failed attempts are rows in the database, so every app instance
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

pub const LONGEST_WINDOW_SECONDS: i64 = 60 * 60;

impl Limit {
    fn bucket(&self, key: &str) -> String {
        // Keys are emails, ids or addresses; the cap keeps a hostile value from bloating rows.
        let key: String = key.chars().take(300).collect();
        format!("{}:{key}", self.name)
    }

    /// Refuses with "try again in N minutes" while `key` has used up its attempts.
    pub async fn check(&self, db: &Db, key: &str, now: i64) -> Result<(), AppError> {
        let since = now - self.window_seconds;
        let (count, oldest): (i64, Option<i64>) = on_pool!(db, pool => sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM auth_attempts WHERE bucket = $1 AND at > $2",
        )
        .bind(self.bucket(key))
        .bind(since)
        .fetch_one(pool)
        .await)?;
        if count < self.max_attempts {
            return Ok(());
        }
        // Counting from the oldest attempt is conservative: it frees one attempt at a time.
        let wait = oldest.unwrap_or(now) + self.window_seconds - now;
        Err(AppError::RateLimited {
            retry_after_minutes: u32::try_from((wait + 59) / 60).unwrap_or(1).max(1),
        })
    }

    pub async fn record_attempt(&self, db: &Db, key: &str, now: i64) -> Result<(), AppError> {
        on_pool!(db, pool => sqlx::query("INSERT INTO auth_attempts (bucket, at) VALUES ($1, $2)")
            .bind(self.bucket(key))
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(())
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
