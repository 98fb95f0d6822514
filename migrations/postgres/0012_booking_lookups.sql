-- Two look-ups every booking request makes, one of them under the listing's lock.
-- A free unit is found by the reservation that starts last before the stay's end
-- (bookings::store::unit_free): one step down this index. SQLite's reservations_unit_dates
-- already leads with the same columns.
CREATE INDEX reservations_unit_starts ON reservations (unit_id, starts_on);
-- A renter's requests waiting for an answer are counted (OPEN_REQUESTS_PER_RENTER) without
-- reading every booking they ever made.
CREATE INDEX bookings_renter_status ON bookings (renter_id, status);
