-- A renter's requests waiting for an answer are counted (OPEN_REQUESTS_PER_RENTER) without
-- reading every booking they ever made; every booking request counts them, once under the
-- write lock. (PostgreSQL's 0012 also adds reservations_unit_starts, which SQLite's
-- reservations_unit_dates already is.)
CREATE INDEX bookings_renter_status ON bookings (renter_id, status);
