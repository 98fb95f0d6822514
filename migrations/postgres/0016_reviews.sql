-- Reviews of a returned rental, one per side: the renter's of the gear and its owner (three
-- ratings), the owner's of the renter (overall only). Hidden from the other side until
-- `published_at`: when both are in, or two weeks after the return (a job). Published ones
-- never change, but for the one reply of the member reviewed and an admin hiding one.
CREATE TABLE reviews (
    id            UUID PRIMARY KEY,
    booking_id    UUID NOT NULL REFERENCES bookings(id),
    listing_id    UUID NOT NULL REFERENCES listings(id),
    author_id     UUID NOT NULL REFERENCES users(id),
    subject_id    UUID NOT NULL REFERENCES users(id),
    side          TEXT NOT NULL CHECK (side IN ('renter', 'owner')),
    overall       BIGINT NOT NULL CHECK (overall BETWEEN 1 AND 5),
    accuracy      BIGINT CHECK (accuracy BETWEEN 1 AND 5),
    communication BIGINT CHECK (communication BETWEEN 1 AND 5),
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    reply         TEXT,
    replied_at    TIMESTAMPTZ,
    hidden_reason TEXT,
    hidden_at     TIMESTAMPTZ,
    UNIQUE (booking_id, side)
);
-- A listing's and a member's published reviews, the newest first.
CREATE INDEX reviews_listing ON reviews (listing_id, published_at) WHERE published_at IS NOT NULL;
CREATE INDEX reviews_subject ON reviews (subject_id, published_at) WHERE published_at IS NOT NULL;

-- Running totals of published, visible reviews, kept with each publication or hiding; read
-- on every card. The users' existing totals are their ratings as owners.
ALTER TABLE users ADD COLUMN renter_rating_count BIGINT NOT NULL DEFAULT 0 CHECK (renter_rating_count >= 0);
ALTER TABLE users ADD COLUMN renter_rating_sum BIGINT NOT NULL DEFAULT 0 CHECK (renter_rating_sum >= 0);
ALTER TABLE listings ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0 CHECK (rating_count >= 0);
ALTER TABLE listings ADD COLUMN rating_sum BIGINT NOT NULL DEFAULT 0 CHECK (rating_sum >= 0);
-- No review existed before this table: totals from before were made up by the demo seed.
UPDATE users SET rating_count = 0, rating_sum = 0;
