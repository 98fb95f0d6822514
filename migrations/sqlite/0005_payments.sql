-- Money: the ledger of every movement of a booking's money, and the payment sandbox's own
-- records. The sandbox stands in for the card provider; its tables are the provider's side,
-- which GearShare reads only to reconcile (`gearshare reconcile`).

-- All GearShare keeps of the renter's card.
ALTER TABLE bookings ADD COLUMN card_last4 TEXT;

-- One row per movement, amounts positive; `kind` says which way it went (domain::ledger).
-- `idempotency_key` names the movement, so recording it twice records it once.
CREATE TABLE ledger_entries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id       BLOB NOT NULL REFERENCES bookings(id),
    kind             TEXT NOT NULL CHECK (kind IN ('authorization', 'void', 'capture', 'refund',
                     'deposit_hold', 'deposit_release', 'deposit_capture', 'service_fee',
                     'owner_payout')),
    amount_minor     INTEGER NOT NULL CHECK (amount_minor > 0),
    currency         TEXT NOT NULL,
    -- The provider's payment; empty for the fee and payout, which GearShare books itself.
    payment_ref      TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    at               TEXT NOT NULL
);
CREATE INDEX ledger_entries_booking ON ledger_entries (booking_id, id);
CREATE INDEX ledger_entries_payment ON ledger_entries (payment_ref);

-- The sandbox provider's payments: one per authorisation (a rental charge or a deposit hold).
CREATE TABLE sandbox_payments (
    reference       TEXT PRIMARY KEY NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('rental', 'deposit')),
    currency        TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    captured_minor  INTEGER NOT NULL DEFAULT 0,
    released_minor  INTEGER NOT NULL DEFAULT 0,
    refunded_minor  INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('authorized', 'captured', 'voided')),
    card_last4      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    CHECK (captured_minor + released_minor <= amount_minor),
    CHECK (refunded_minor <= captured_minor)
);

-- The sandbox's idempotency records: a request sent again with its key gets the first answer.
CREATE TABLE sandbox_requests (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    operation       TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    answer          TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

-- A provider call under way: written before the call, deleted with the entries its answer
-- records. A settlement first sends every call it finds here again, unchanged and under the
-- same key, so an answer lost on the way is fetched whatever the booking became meanwhile.
CREATE TABLE payment_calls (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    booking_id      BLOB NOT NULL REFERENCES bookings(id),
    step            TEXT NOT NULL,   -- JSON of domain::ledger::Step
    created_at      TEXT NOT NULL
);
CREATE INDEX payment_calls_booking ON payment_calls (booking_id);
