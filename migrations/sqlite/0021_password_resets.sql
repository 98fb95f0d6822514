-- Links that let a person who forgot their password choose a new one. The link carries a
-- random token; only its SHA-256 is kept, so a copy of the database opens no account.
-- Times are Unix seconds, like sessions. A link works once (used_at), until expires_at;
-- asking again deletes the person's unused links. Used ones stay a while so that opening
-- one again can say it was used; the session sweep deletes them a day after they expire.
CREATE TABLE password_resets (
    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
CREATE INDEX password_resets_by_expiry ON password_resets (expires_at);
