-- Accounts: two-factor authentication, server-side sessions, rate limits, the audit record.
-- Instants in new columns are unix seconds where the server only compares them with "now"
-- (sessions, attempts), and RFC 3339 text where people read them (audit).

ALTER TABLE users ADD COLUMN totp_secret BLOB;       -- set while enrolling and while on
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;   -- NULL: two-factor is off
ALTER TABLE users ADD COLUMN totp_last_step INTEGER; -- the last accepted 30 s step: a code works once
ALTER TABLE users ADD COLUMN deleted_at TEXT;

CREATE TABLE backup_codes (
    user_id   BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),   -- SHA-256 of the code
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- tower-sessions records; user_id is copied out of the data so that every session of one
-- person can be ended at once (log out everywhere, suspension, password change).
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    BLOB REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Failed attempts per bucket ("login:account:<email>", "login:ip:<address>", ...), counted
-- over a sliding window. In the database so that every app instance sees the same counts.
CREATE TABLE auth_attempts (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL CHECK (length(bucket) <= 400),
    at     INTEGER NOT NULL
);
CREATE INDEX auth_attempts_by_bucket ON auth_attempts (bucket, at);

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor_id   BLOB REFERENCES users (id),   -- who acted; NULL for a visitor or the system
    subject_id BLOB REFERENCES users (id),   -- whose account it concerns
    kind       TEXT NOT NULL CHECK (length(kind) <= 60),
    ip         TEXT CHECK (length(ip) <= 64),
    user_agent TEXT CHECK (length(user_agent) <= 400),
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_subject ON audit_events (subject_id, id);
