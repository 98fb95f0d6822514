-- Where the public sees a listing: a fixed offset of 200–500 m from the owner's exact place,
-- chosen once per listing (GeoPoint::approximate). Search filters, sorts and measures
-- distances by it. NULL only for listings an older version stored; every start fills them.
ALTER TABLE listings ADD COLUMN public_latitude DOUBLE PRECISION;
ALTER TABLE listings ADD COLUMN public_longitude DOUBLE PRECISION;
DROP INDEX listings_active_position;
CREATE INDEX listings_active_position ON listings (status, public_latitude, public_longitude);
