-- The handover checklist: what a listing's renter gets and brings back, one item per line.
-- A booking keeps the list as it was when booked (in its request event), so a later edit of
-- the listing does not change what was agreed.
ALTER TABLE listings ADD COLUMN included_items TEXT NOT NULL DEFAULT '';

-- Late returns: the listing's fee per day late (minor units, taken from the deposit), and the
-- projection of a booking's overdue mark (its `overdue` event).
ALTER TABLE listings ADD COLUMN late_fee_minor BIGINT NOT NULL DEFAULT 0 CHECK (late_fee_minor >= 0);
ALTER TABLE bookings ADD COLUMN overdue BOOLEAN NOT NULL DEFAULT false;

-- Calendar sync: the secret in a listing's feed address (made when the owner first asks).
ALTER TABLE listings ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX listings_calendar_token ON listings (calendar_token);
