-- Mirrors migrations/sqlite/0024_webhooks.sql with native types.
-- Webhooks: a member's endpoints, the deliveries owed to each, and every attempt at one.
-- An endpoint hears the event kinds it lists (space-separated) from the events about its
-- member after `start_position` (the outbox's head when it was made). Its signing secret is
-- sealed with the server's keys (`secret_key` names the key); after a rotation the previous
-- secret still signs beside the new one until `previous_until`. `lease_until` is held by the
-- one worker delivering the endpoint's queue, so deliveries go out one at a time, in order;
-- after a failure nothing is sent before `next_try_at` (the backoff after `failures` tries
-- that failed in a row).
CREATE TABLE webhook_endpoints (
    id               UUID PRIMARY KEY NOT NULL,
    user_id          UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url              TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description      TEXT NOT NULL CHECK (length(description) <= 100),
    kinds            TEXT NOT NULL CHECK (length(kinds) BETWEEN 1 AND 1000),
    secret_key       BIGINT NOT NULL,
    secret           BYTEA NOT NULL,
    previous_key     BIGINT,
    previous_secret  BYTEA,
    previous_until   TIMESTAMPTZ,
    status           TEXT NOT NULL CHECK (status IN ('active', 'paused')),
    paused_because   TEXT CHECK (paused_because IN ('failing', 'member')),
    failing_since    TIMESTAMPTZ,
    failures         BIGINT NOT NULL DEFAULT 0,
    next_try_at      TIMESTAMPTZ,
    start_position   BIGINT NOT NULL,
    lease_until      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id, created_at);

-- One message owed to an endpoint: the event at `position` and, where one event says several
-- things (an instant booking is requested and accepted at once), the `seq`th of them; a test
-- message takes the head at its time and has no event of its own. Its body as sent, and
-- when it got a 2xx.
CREATE TABLE webhook_deliveries (
    id            UUID PRIMARY KEY NOT NULL,
    endpoint_id   UUID NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    seq           BIGINT NOT NULL DEFAULT 0,
    kind          TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    delivered_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, position, seq)
    WHERE kind <> 'webhook.test';
CREATE INDEX webhook_deliveries_queue
    ON webhook_deliveries (endpoint_id, delivered_at, position, seq);

-- The delivery log: each try, its answer's status (none when no answer came), how long it
-- took, and the start of the answer or the reason there was none.
CREATE TABLE webhook_attempts (
    id            UUID PRIMARY KEY NOT NULL,
    delivery_id   UUID NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    endpoint_id   UUID NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    at            TIMESTAMPTZ NOT NULL,
    status_code   BIGINT,
    duration_ms   BIGINT NOT NULL,
    excerpt       TEXT NOT NULL,
    succeeded     BOOLEAN NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, at);

-- How far the outbox has been read for webhooks: one row, moved under its lock by whichever
-- instance turns the next events into deliveries.
CREATE TABLE webhook_cursor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    position  BIGINT NOT NULL
);
INSERT INTO webhook_cursor (id, position) SELECT 1, position FROM event_head WHERE id = 1;
