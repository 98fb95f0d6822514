-- The outbox: every committed change someone may care about, in one order. `position` is
-- taken from `event_head` under its row lock as the appending transaction finishes, so
-- positions follow commit order and have no gaps (a rolled-back change takes its positions
-- back with it). Readers deliver "after the last position" without ever skipping one.
CREATE TABLE events (
    position  INTEGER PRIMARY KEY NOT NULL,
    stream    TEXT NOT NULL,            -- 'listing:{id}', 'booking:{id}', 'user:{id}'
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,            -- JSON, never a secret
    actor_id  BLOB,
    at        TEXT NOT NULL
);
CREATE INDEX events_stream ON events (stream, position);
CREATE INDEX events_at ON events (at);

CREATE TABLE event_head (
    id        INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    position  INTEGER NOT NULL
);
INSERT INTO event_head (id, position) VALUES (1, 0);
