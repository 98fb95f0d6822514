-- A booking request finds a free unit by the reservation that starts last before its end
-- (bookings::store::unit_free): one step down this index. SQLite's reservations_unit_dates
-- already leads with the same columns.
CREATE INDEX reservations_unit_starts ON reservations (unit_id, starts_on);
