-- Full-text search over listings, indexes for every search filter and sort, and the
-- occupancy table that owner blocks (now) and bookings (issue 5) share.

-- Words of a listing's title, brand, model, category name and description, in a table of
-- its own kept in step by triggers; the porter stemmer lets "tents" find "tent", and the
-- prefix indexes make "son*" quick. An FTS5 row is named by an integer: each listing gets a
-- lasting one in listing_search_keys (an INTEGER PRIMARY KEY, which VACUUM never renumbers,
-- unlike the implicit rowid of `listings`; AUTOINCREMENT never hands a deleted listing's key
-- to another). The triggers keep both tables in step, so the key has no foreign key: a
-- cascade would remove it before the delete trigger could find the FTS row by it.
CREATE TABLE listing_search_keys (
    key         INTEGER PRIMARY KEY AUTOINCREMENT,
    listing_id  BLOB NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE listings_fts USING fts5(
    title, maker, category, description,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);

INSERT INTO listing_search_keys (listing_id) SELECT id FROM listings ORDER BY created_at, id;

INSERT INTO listings_fts (rowid, title, maker, category, description)
SELECT k.key, l.title, l.brand || ' ' || l.model, c.name, l.description
FROM listings l
JOIN listing_search_keys k ON k.listing_id = l.id
JOIN categories c ON c.slug = l.category_slug;

CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings BEGIN
    INSERT INTO listing_search_keys (listing_id) VALUES (new.id);
    INSERT INTO listings_fts (rowid, title, maker, category, description)
    VALUES ((SELECT key FROM listing_search_keys WHERE listing_id = new.id),
            new.title, new.brand || ' ' || new.model,
            (SELECT name FROM categories WHERE slug = new.category_slug), new.description);
END;

CREATE TRIGGER listings_fts_update AFTER UPDATE OF title, brand, model, category_slug, description
ON listings BEGIN
    UPDATE listings_fts
    SET title = new.title, maker = new.brand || ' ' || new.model,
        category = (SELECT name FROM categories WHERE slug = new.category_slug),
        description = new.description
    WHERE rowid = (SELECT key FROM listing_search_keys WHERE listing_id = new.id);
END;

CREATE TRIGGER listings_fts_delete BEFORE DELETE ON listings BEGIN
    DELETE FROM listings_fts
    WHERE rowid = (SELECT key FROM listing_search_keys WHERE listing_id = old.id);
    DELETE FROM listing_search_keys WHERE listing_id = old.id;
END;

-- Sorts and filters of /search; every one ends on the id so pages never overlap.
CREATE INDEX listings_active_price ON listings (status, daily_price_minor, created_at, id);
CREATE INDEX listings_active_position ON listings (status, latitude, longitude);
-- The facets' grouped count reads this index alone, never the table.
CREATE INDEX listings_facets ON listings (status, category_slug, daily_price_minor, instant_booking);
CREATE INDEX listings_owner_newest ON listings (owner_id, created_at DESC, id DESC);
DROP INDEX listings_owner;
CREATE INDEX listing_units_listing ON listing_units (listing_id, active);

-- One row per unit and half-open day range [starts_on, ends_on) it is taken: an owner's
-- block, or (issue 5) a booking with its turnaround buffer included in ends_on. SQLite has
-- no exclusion constraint: writers check and insert in one BEGIN IMMEDIATE transaction
-- (listings::repo::block_dates), which serialises them.
CREATE TABLE reservations (
    id          BLOB PRIMARY KEY NOT NULL,
    listing_id  BLOB NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    unit_id     BLOB NOT NULL REFERENCES listing_units(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('block', 'booking')),
    starts_on   TEXT NOT NULL CHECK (date(starts_on) IS starts_on),
    ends_on     TEXT NOT NULL CHECK (date(ends_on) IS ends_on),
    note        TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    created_by  BLOB REFERENCES users(id),
    created_at  TEXT NOT NULL,
    CHECK (starts_on < ends_on)
);
CREATE INDEX reservations_unit_dates ON reservations (unit_id, starts_on, ends_on);
CREATE INDEX reservations_listing_dates ON reservations (listing_id, ends_on, starts_on);

-- Resized copies of an uploaded photo, `key width` pairs joined by commas, smallest first
-- (the original last), for `srcset`; empty for seeded illustrations, which are SVG.
ALTER TABLE listing_photos ADD COLUMN variants TEXT NOT NULL DEFAULT '';
