-- The handover checklist: what a listing's renter gets and brings back, one item per line.
-- A booking keeps the list as it was when booked (in its request event), so a later edit of
-- the listing does not change what was agreed.
ALTER TABLE listings ADD COLUMN included_items TEXT NOT NULL DEFAULT '';
