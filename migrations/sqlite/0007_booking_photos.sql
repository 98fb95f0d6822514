-- Photos as evidence: what the renter and the owner photograph at the pickup and the return,
-- and what the owner shows of a damage claim. Only the booking's renter, owner and admins see
-- them: the files live in a photo store of their own (EVIDENCE_DIR / EVIDENCE_STORE), which no
-- file route serves, and reach the booking page through `/bookings/{id}/photos/{photo}`, which
-- checks who asks.
CREATE TABLE booking_photos (
    id           BLOB PRIMARY KEY NOT NULL,
    booking_id   BLOB NOT NULL REFERENCES bookings(id),
    party        TEXT NOT NULL CHECK (party IN ('renter', 'owner')),
    stage        TEXT NOT NULL CHECK (stage IN ('pickup', 'return', 'claim')),
    storage_key  TEXT NOT NULL UNIQUE,           -- the size the page shows
    width        INTEGER NOT NULL CHECK (width > 0),
    height       INTEGER NOT NULL CHECK (height > 0),
    created_at   TEXT NOT NULL
);
CREATE INDEX booking_photos_booking ON booking_photos (booking_id, created_at);
