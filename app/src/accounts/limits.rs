//! Rate limits on logging in, signing up, password resets, two-factor codes and photo
//! uploads, per account and per IP address (server only). Attempts are rows in the database, so every app instance
//! counts the same attempts, and a limit outlives a restart.

use super::audit::{AuditEvent, AuditKind, Client};
use crate::domain::UserId;
use crate::error::AppError;
use crate::store::Db;
use chrono::{DateTime, Utc};

#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub name: &'static str,
    pub max_attempts: i64,
    pub window_seconds: i64,
}

const FIFTEEN_MINUTES: i64 = 15 * 60;

/// Five wrong passwords for one account from one address hold that address back from it for
/// up to 15 minutes; the account's owner, coming from elsewhere, still gets in.
pub const LOGIN_PER_ACCOUNT_AND_ADDRESS: Limit = Limit {
    name: "login:account-address",
    max_attempts: 5,
    window_seconds: FIFTEEN_MINUTES,
};
/// The key of [`LOGIN_PER_ACCOUNT_AND_ADDRESS`]: logging in counts against it and a reset
/// clears it, so both must build it alike.
pub fn account_and_address_key(email: &str, address: &str) -> String {
    format!("{email}|{address}")
}

/// Wrong passwords for one account from anywhere: past `ACCOUNT_DELAY_AFTER` in the window,
/// each further attempt waits a delay that doubles with every failure (up to a minute), so
/// guessing from many addresses slows to a crawl while the owner is only ever kept waiting.
pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    name: "login:account",
    max_attempts: i64::MAX,
    window_seconds: FIFTEEN_MINUTES,
};
const ACCOUNT_DELAY_AFTER: i64 = 10;
const ACCOUNT_DELAY_MAX_SECONDS: i64 = 60;

/// The wait an account's `failures` in the window ask for after the latest one.
pub fn account_delay_seconds(failures: i64) -> i64 {
    match failures - ACCOUNT_DELAY_AFTER {
        ..0 => 0,
        over => 1i64
            .checked_shl(u32::try_from(over.min(20)).unwrap_or(20))
            .unwrap_or(i64::MAX)
            .min(ACCOUNT_DELAY_MAX_SECONDS),
    }
}
/// Twenty wrong passwords from one address in 15 minutes, whichever emails they name.
pub const LOGIN_PER_IP: Limit = Limit {
    name: "login:ip",
    max_attempts: 20,
    window_seconds: FIFTEEN_MINUTES,
};
/// Password reset emails asked for one email address, from anywhere: as many as the wrong
/// passwords one account and address may try (`LOGIN_PER_ACCOUNT_AND_ADDRESS`), so nobody can
/// flood a mailbox with reset links. Counted whether or not the email has an account, so the
/// limit tells nothing about which emails do.
pub const RESET_PER_EMAIL: Limit = Limit {
    name: "reset:email",
    max_attempts: LOGIN_PER_ACCOUNT_AND_ADDRESS.max_attempts,
    window_seconds: LOGIN_PER_ACCOUNT_AND_ADDRESS.window_seconds,
};
/// Reset emails asked for, and reset links tried, from one address: as many as the wrong
/// passwords it may try (`LOGIN_PER_IP`).
pub const RESET_PER_IP: Limit = Limit {
    name: "reset:ip",
    max_attempts: LOGIN_PER_IP.max_attempts,
    window_seconds: LOGIN_PER_IP.window_seconds,
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

/// Calendar imports per account and hour, successful or not: a sync by hand now and then,
/// and a bound on the parsing one account can ask of the server.
pub const CALENDAR_IMPORTS_PER_ACCOUNT: Limit = Limit {
    name: "calendar-import:account",
    max_attempts: 20,
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
        let (id, count, oldest) = db
            .count_attempt(&bucket, now, now - self.window_seconds)
            .await?;
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

    /// Refuses while `key`'s failures in the window ask for a delay since the latest one
    /// ([`account_delay_seconds`]); reads only.
    pub async fn wait_out_delay(&self, db: &Db, key: &str, now: i64) -> Result<(), AppError> {
        let (failures, _, latest) = db
            .attempts_since(&self.bucket(key), now - self.window_seconds)
            .await?;
        let delay = account_delay_seconds(failures);
        match latest {
            Some(latest) if delay > 0 && now < latest + delay => Err(AppError::RateLimited {
                retry_after_minutes: 1,
            }),
            _ => Ok(()),
        }
    }

    /// The wait before `key` may try again when its attempts in the window already use up
    /// the limit, else `None`; reads only. For limits whose attempts are written only when
    /// they fail ([`Self::record`]), so that a success costs no write.
    pub async fn wait(
        &self,
        db: &Db,
        key: &str,
        now: i64,
    ) -> Result<Option<std::time::Duration>, AppError> {
        let (count, oldest, _) = db
            .attempts_since(&self.bucket(key), now - self.window_seconds)
            .await?;
        Ok(match oldest {
            Some(oldest) if count >= self.max_attempts => {
                let wait = (oldest + self.window_seconds - now).max(1);
                Some(std::time::Duration::from_secs(wait.unsigned_abs()))
            }
            _ => None,
        })
    }

    /// Counts one failed attempt for `key` (see [`Self::wait`]).
    pub async fn record(&self, db: &Db, key: &str, now: i64) -> Result<(), AppError> {
        db.record_attempt(&self.bucket(key), now).await?;
        Ok(())
    }

    /// Forgets the failures of `key` after a success (an account's, never an address's).
    pub async fn clear(&self, db: &Db, key: &str) -> Result<(), AppError> {
        db.clear_attempts(&self.bucket(key)).await?;
        Ok(())
    }
}

/// Counting attempts for one request of `client` about `subject` (if known), auditing the
/// first refusal of each limit's window as a rate-limited event: a flood leaves one record
/// per subject and window rather than one per request.
pub struct Audited<'a> {
    pub db: &'a Db,
    pub gate: &'a LoginGate,
    pub client: &'a Client,
    pub subject: Option<UserId>,
    pub now: DateTime<Utc>,
}

impl Audited<'_> {
    /// Counts an attempt against `limit` for `key` ([`Limit::take`]); a refusal is audited.
    pub async fn take_audited(&self, limit: Limit, key: &str) -> Result<Attempt, AppError> {
        match limit.take(self.db, key, self.now.timestamp()).await {
            Ok(attempt) => Ok(attempt),
            Err(error) => {
                self.audit_refusal(limit, key).await?;
                Err(error)
            }
        }
    }

    /// Audits a refusal by `limit` for `key`, if it is the first of the limit's window.
    pub async fn audit_refusal(&self, limit: Limit, key: &str) -> Result<(), AppError> {
        if self
            .gate
            .first_refusal(&limit, key, std::time::Instant::now())
        {
            let event = AuditEvent::new(AuditKind::RateLimited, None, self.subject, self.client)
                .with_detail(serde_json::json!({ "limit": limit.name }));
            super::store::record(self.db, &event, self.now).await?;
        }
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
        db.forget_attempt(self.id).await?;
        Ok(())
    }

    /// Keeps the attempt counted: it failed.
    pub fn keep(self) {}
}

/// Attempts per key counted in this process's memory over a fixed window that starts at a
/// key's first attempt: refusing a flood costs no database work. Several instances each keep
/// their own count, so an allowance holds per instance.
#[derive(Debug)]
pub struct WindowGate {
    allowance: u32,
    window: std::time::Duration,
    counts: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, u32)>>,
}

impl WindowGate {
    pub fn new(allowance: u32, window: std::time::Duration) -> Self {
        WindowGate {
            allowance,
            window,
            counts: Default::default(),
        }
    }

    /// Counts an attempt for `key`; past the window's allowance, refuses with the time until
    /// the window starts over.
    pub fn admit(&self, key: &str, now: std::time::Instant) -> Result<(), std::time::Duration> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.window;
        keep_bounded(&mut counts, |(since, _)| {
            now.duration_since(*since) < window
        });
        let key: String = key.chars().take(64).collect();
        let entry = counts.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        if entry.1 > self.allowance {
            return Err(window.saturating_sub(now.duration_since(entry.0)));
        }
        Ok(())
    }
}

/// Whole minutes (at least one) a person waits out `wait`.
pub fn minutes_to_wait(wait: std::time::Duration) -> u32 {
    u32::try_from(wait.as_secs().div_ceil(60))
        .unwrap_or(u32::MAX)
        .max(1)
}

/// The per-process gate in front of the database counters: login attempts per address
/// bucket per minute, counted in memory, so a flood is refused without a single write. It
/// also remembers which rate-limit refusals were audited lately, so a flood leaves one audit
/// record per subject and window rather than one per request. Several instances each keep
/// their own; the database counters behind it are the ones that hold across instances.
#[derive(Debug)]
pub struct LoginGate {
    attempts: WindowGate,
    audited: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

/// Entries kept before the expired ones are swept out (a flood from many addresses).
const GATE_ENTRIES: usize = 100_000;
const MINUTE: std::time::Duration = std::time::Duration::from_secs(60);

impl LoginGate {
    pub fn new(per_minute: u32) -> Self {
        LoginGate {
            attempts: WindowGate::new(per_minute, MINUTE),
            audited: Default::default(),
        }
    }

    /// Counts an attempt from `address`; `RateLimited` past the minute's allowance.
    pub fn admit(&self, address: &str, now: std::time::Instant) -> Result<(), AppError> {
        self.attempts
            .admit(address, now)
            .map_err(|_| AppError::RateLimited {
                retry_after_minutes: 1,
            })
    }

    /// Whether a refusal by `limit` for `subject` should be audited: the first in the limit's
    /// window.
    pub fn first_refusal(&self, limit: &Limit, subject: &str, now: std::time::Instant) -> bool {
        let window = std::time::Duration::from_secs(limit.window_seconds.unsigned_abs());
        let mut audited = self.audited.lock().unwrap_or_else(|e| e.into_inner());
        keep_bounded(&mut audited, |at| now.duration_since(*at) < window);
        let key = limit.bucket(subject);
        match audited.get(&key) {
            Some(at) if now.duration_since(*at) < window => false,
            _ => {
                audited.insert(key, now);
                true
            }
        }
    }
}

/// Keeps a gate's map under [`GATE_ENTRIES`]: first drops the entries that no longer `live`,
/// then, if a flood from many addresses still fills it, starts over rather than grow (the
/// database counters remain behind the gate).
fn keep_bounded<V>(map: &mut std::collections::HashMap<String, V>, live: impl Fn(&V) -> bool) {
    if map.len() >= GATE_ENTRIES {
        map.retain(|_, value| live(value));
        if map.len() >= GATE_ENTRIES {
            map.clear();
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn the_account_delay_grows_and_stays_bounded() {
        assert_eq!(account_delay_seconds(0), 0);
        assert_eq!(account_delay_seconds(9), 0);
        assert_eq!(account_delay_seconds(10), 1);
        assert_eq!(account_delay_seconds(12), 4);
        assert_eq!(account_delay_seconds(16), 60);
        assert_eq!(account_delay_seconds(i64::MAX), 60);
    }

    #[test]
    fn the_gate_counts_per_address_and_minute() {
        let gate = LoginGate::new(3);
        let t = Instant::now();
        for _ in 0..3 {
            assert!(gate.admit("192.0.2.1", t).is_ok());
        }
        assert!(gate.admit("192.0.2.1", t).is_err());
        assert!(gate.admit("192.0.2.2", t).is_ok(), "another address");
        assert!(gate.admit("192.0.2.1", t + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn a_window_gate_says_how_long_to_wait() {
        let gate = WindowGate::new(2, Duration::from_secs(3600));
        let t = Instant::now();
        assert!(gate.admit("renter", t).is_ok());
        assert!(gate.admit("renter", t + Duration::from_secs(60)).is_ok());
        let wait = gate
            .admit("renter", t + Duration::from_secs(600))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(3000));
        assert_eq!(minutes_to_wait(wait), 50);
        assert_eq!(minutes_to_wait(Duration::from_secs(1)), 1);
        assert!(gate.admit("renter", t + Duration::from_secs(3600)).is_ok());
    }

    #[test]
    fn a_refusal_is_audited_once_per_window() {
        let gate = LoginGate::new(20);
        let t = Instant::now();
        assert!(gate.first_refusal(&LOGIN_PER_IP, "192.0.2.1", t));
        assert!(!gate.first_refusal(&LOGIN_PER_IP, "192.0.2.1", t + Duration::from_secs(60)));
        assert!(gate.first_refusal(&LOGIN_PER_ACCOUNT, "192.0.2.1", t));
        assert!(gate.first_refusal(&LOGIN_PER_IP, "192.0.2.1", t + Duration::from_secs(901)));
    }
}
