-- Mirrors migrations/sqlite/0002_accounts.sql with native types.

ALTER TABLE users ADD COLUMN totp_secret BYTEA;
ALTER TABLE users ADD COLUMN totp_enabled_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMPTZ;

CREATE TABLE backup_codes (
    user_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BYTEA NOT NULL CHECK (length(code_hash) = 32),
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    UUID REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE auth_attempts (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bucket TEXT NOT NULL CHECK (length(bucket) <= 400),
    at     BIGINT NOT NULL
);
CREATE INDEX auth_attempts_by_bucket ON auth_attempts (bucket, at);

CREATE TABLE audit_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor_id   UUID REFERENCES users (id),
    subject_id UUID REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (length(kind) <= 60),
    ip         TEXT CHECK (length(ip) <= 64),
    user_agent TEXT CHECK (length(user_agent) <= 400),
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_subject ON audit_events (subject_id, id);
