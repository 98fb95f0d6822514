-- Webhooks: a member's endpoints, the deliveries owed to each, and every attempt at one.
-- An endpoint hears the event kinds it lists (space-separated) from the events about its
-- member after `start_position` (the outbox's head when it was made). Its signing secret is
-- sealed with the server's keys (`secret_key` names the key); after a rotation the previous
-- secret still signs beside the new one until `previous_until`. `lease_until` is held by the
-- one worker delivering the endpoint's queue, so deliveries go out one at a time, in order;
-- after a failure nothing is sent before `next_try_at` (the backoff after `failures` tries
-- that failed in a row).
CREATE TABLE webhook_endpoints (
    id               BLOB PRIMARY KEY NOT NULL,
    user_id          BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url              TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description      TEXT NOT NULL CHECK (length(description) <= 100),
    kinds            TEXT NOT NULL CHECK (length(kinds) BETWEEN 1 AND 1000),
    secret_key       INTEGER NOT NULL,
    secret           BLOB NOT NULL,
    previous_key     INTEGER,
    previous_secret  BLOB,
    previous_until   TEXT,
    status           TEXT NOT NULL CHECK (status IN ('active', 'paused')),
    paused_because   TEXT CHECK (paused_because IN ('failing', 'member')),
    failing_since    TEXT,
    failures         INTEGER NOT NULL DEFAULT 0,
    next_try_at      TEXT,
    start_position   INTEGER NOT NULL,
    lease_until      TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id, created_at);

-- One message owed to an endpoint: the event at `position` and, where one event says several
-- things (an instant booking is requested and accepted at once), the `seq`th of them; a test
-- message takes the head at its time and has no event of its own. Its body as sent, and
-- when it got a 2xx.
CREATE TABLE webhook_deliveries (
    id            BLOB PRIMARY KEY NOT NULL,
    endpoint_id   BLOB NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    seq           INTEGER NOT NULL DEFAULT 0,
    kind          TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    delivered_at  TEXT
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, position, seq)
    WHERE kind <> 'webhook.test';
CREATE INDEX webhook_deliveries_queue
    ON webhook_deliveries (endpoint_id, delivered_at, position, seq);

-- The delivery log: each try, its answer's status (none when no answer came), how long it
-- took, and the start of the answer or the reason there was none.
CREATE TABLE webhook_attempts (
    id            BLOB PRIMARY KEY NOT NULL,
    delivery_id   BLOB NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    endpoint_id   BLOB NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    at            TEXT NOT NULL,
    status_code   INTEGER,
    duration_ms   INTEGER NOT NULL,
    excerpt       TEXT NOT NULL,
    succeeded     BOOLEAN NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, at);

-- How far the outbox has been read for webhooks: one row, moved under its lock by whichever
-- instance turns the next events into deliveries.
CREATE TABLE webhook_cursor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    position  INTEGER NOT NULL
);
INSERT INTO webhook_cursor (id, position) SELECT 1, position FROM event_head WHERE id = 1;
