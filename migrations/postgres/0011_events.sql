-- The outbox: every committed change someone may care about, in one order. `position` is
-- taken from `event_head` under its row lock as the appending transaction finishes, so
-- positions follow commit order and have no gaps (a rolled-back change takes its positions
-- back with it). Readers deliver "after the last position" without ever skipping one, which
-- ids from a sequence could not promise: they are taken at insert, not at commit.
CREATE TABLE events (
    position  BIGINT PRIMARY KEY,
    stream    TEXT NOT NULL,            -- 'listing:{id}', 'booking:{id}', 'user:{id}'
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,            -- JSON, never a secret
    actor_id  UUID,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_stream ON events (stream, position);
CREATE INDEX events_at ON events (at);

CREATE TABLE event_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    position  BIGINT NOT NULL
);
INSERT INTO event_head (id, position) VALUES (1, 0);
