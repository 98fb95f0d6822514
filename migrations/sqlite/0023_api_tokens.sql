-- Personal access tokens for the public API (`/api/v1`), made on /account. Only the SHA-256
-- of a token is kept (a token is 32 random bytes, so a hash that is quick to check is as
-- safe as a slow one); its first characters stay readable so a member can tell tokens
-- apart. `scope` is what it may do: 'read', or 'write' (which reads too). A token past
-- `expires_at` (NULL: never) or with `revoked_at` set is refused; revoked rows are kept so
-- the account page and the audit log can still name them.
CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    secret_hash  TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
