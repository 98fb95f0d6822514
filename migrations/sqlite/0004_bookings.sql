-- Bookings, the event log they are rebuilt from, and the job queue that expires unanswered
-- requests. A booking holds its unit through a row of `reservations` (kind 'booking'), the
-- same table owner blocks use, so one overlap rule covers both.

ALTER TABLE listings ADD COLUMN cancellation_policy TEXT NOT NULL DEFAULT 'moderate'
    CHECK (cancellation_policy IN ('flexible', 'moderate', 'strict'));

-- The current state of every booking: a projection of `booking_events`, written in the same
-- transaction as the events (`gearshare replay` checks the two agree).
CREATE TABLE bookings (
    id                  BLOB PRIMARY KEY NOT NULL,
    listing_id          BLOB NOT NULL REFERENCES listings(id),
    unit_id             BLOB NOT NULL REFERENCES listing_units(id),
    renter_id           BLOB NOT NULL REFERENCES users(id),
    owner_id            BLOB NOT NULL REFERENCES users(id),
    status              TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'declined',
                        'expired', 'cancelled', 'paid', 'picked_up', 'returned', 'completed',
                        'disputed')),
    starts_on           TEXT NOT NULL,            -- pickup day, in the listing's zone
    ends_on             TEXT NOT NULL,            -- return day: [starts_on, ends_on)
    buffer_days         INTEGER NOT NULL CHECK (buffer_days >= 0),
    currency            TEXT NOT NULL,
    days                INTEGER NOT NULL CHECK (days > 0),
    rental_minor        INTEGER NOT NULL CHECK (rental_minor > 0),
    service_fee_minor   INTEGER NOT NULL CHECK (service_fee_minor >= 0),
    deposit_minor       INTEGER NOT NULL CHECK (deposit_minor >= 0),
    total_minor         INTEGER NOT NULL,
    cancellation_policy TEXT NOT NULL,
    instant             INTEGER NOT NULL CHECK (instant IN (0, 1)),
    pickup_at           TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    decline_reason      TEXT,
    cancelled_by        TEXT,
    refund_minor        INTEGER,
    -- The key of the form that asked: a resubmitted form finds its booking instead of
    -- making a second one.
    idempotency_key     BLOB NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CHECK (starts_on < ends_on),
    UNIQUE (renter_id, idempotency_key)
);
CREATE INDEX bookings_renter ON bookings (renter_id, starts_on DESC);
CREATE INDEX bookings_owner ON bookings (owner_id, status, starts_on);
CREATE INDEX bookings_listing ON bookings (listing_id, status);

-- The reservation that holds a booking's unit; deleted when the booking ends early.
ALTER TABLE reservations ADD COLUMN booking_id BLOB REFERENCES bookings(id);
CREATE UNIQUE INDEX reservations_booking ON reservations (booking_id);

-- Every change of a booking, in order. `payload` is the domain event as JSON.
CREATE TABLE booking_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id  BLOB NOT NULL REFERENCES bookings(id),
    seq         INTEGER NOT NULL CHECK (seq > 0),
    kind        TEXT NOT NULL,
    actor_id    BLOB REFERENCES users(id),
    actor_role  TEXT NOT NULL CHECK (actor_role IN ('renter', 'owner', 'admin', 'system')),
    payload     TEXT NOT NULL,
    at          TEXT NOT NULL,
    UNIQUE (booking_id, seq)
);

-- Work to do later (expire a request), written in the transaction that makes it necessary.
-- Times are Unix milliseconds. A worker claims a due job by setting `locked_until`; a job
-- whose worker died becomes due again when that lease runs out.
CREATE TABLE jobs (
    id           BLOB PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    locked_until INTEGER,
    locked_by    TEXT,
    last_error   TEXT,
    outcome      TEXT CHECK (outcome IN ('done', 'failed')),
    finished_at  INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE outcome IS NULL;
