-- Full-text search over listings, indexes for every search filter and sort, and the
-- occupancy table that owner blocks (now) and bookings (issue 5) share.

-- Both are trusted extensions (PostgreSQL 13+): a database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Weighted words of title (A), brand and model (B), category name (C) and description (D).
-- A trigger rather than a generated column, because the category name lives in another table.
ALTER TABLE listings ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector;

CREATE FUNCTION listings_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', NEW.title), 'A')
        || setweight(to_tsvector('english', NEW.brand || ' ' || NEW.model), 'B')
        || setweight(to_tsvector('english',
               coalesce((SELECT name FROM categories WHERE slug = NEW.category_slug), '')), 'C')
        || setweight(to_tsvector('english', NEW.description), 'D');
    RETURN NEW;
END
$$;

CREATE TRIGGER listings_search_vector
    BEFORE INSERT OR UPDATE OF title, brand, model, category_slug, description ON listings
    FOR EACH ROW EXECUTE FUNCTION listings_search_vector();

UPDATE listings SET title = title;

CREATE INDEX listings_search ON listings USING gin (search_vector);
-- Close spellings ("camra") when the words themselves find nothing.
CREATE INDEX listings_title_trgm ON listings USING gin (lower(title) gin_trgm_ops);

CREATE INDEX listings_active_price ON listings (status, daily_price_minor, created_at, id);
CREATE INDEX listings_active_position ON listings (status, latitude, longitude);
-- The facets' grouped count reads this index alone, never the table.
CREATE INDEX listings_facets ON listings (status, category_slug, daily_price_minor, instant_booking);
CREATE INDEX listings_owner_newest ON listings (owner_id, created_at DESC, id DESC);
DROP INDEX listings_owner;
CREATE INDEX listing_units_listing ON listing_units (listing_id, active);

-- One row per unit and half-open day range [starts_on, ends_on) it is taken: an owner's
-- block, or (issue 5) a booking with its turnaround buffer included in ends_on. The
-- exclusion constraint makes a second reservation of a unit for overlapping days impossible,
-- whatever the application does.
CREATE TABLE reservations (
    id          uuid PRIMARY KEY,
    listing_id  uuid NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    unit_id     uuid NOT NULL REFERENCES listing_units(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('block', 'booking')),
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    note        TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    created_by  uuid REFERENCES users(id),
    created_at  timestamptz NOT NULL,
    CHECK (starts_on < ends_on),
    CONSTRAINT reservations_never_overlap
        EXCLUDE USING gist (unit_id WITH =, daterange(starts_on, ends_on, '[)') WITH &&)
);
CREATE INDEX reservations_listing_dates ON reservations (listing_id, ends_on, starts_on);

-- Resized copies of an uploaded photo, `key width` pairs joined by commas, smallest first
-- (the original last), for `srcset`; empty for seeded illustrations, which are SVG.
ALTER TABLE listing_photos ADD COLUMN variants TEXT NOT NULL DEFAULT '';
