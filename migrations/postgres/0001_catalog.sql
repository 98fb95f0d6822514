-- Accounts, the category tree and listings with their units and photos.
-- Mirrors migrations/sqlite/0001_catalog.sql with native types.

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,          -- normalised: trimmed, lower case
    name          TEXT NOT NULL,
    password_hash TEXT,                          -- NULL: the account cannot log in yet
    role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deleted')),
    time_zone     TEXT NOT NULL DEFAULT 'UTC',   -- IANA name, e.g. Europe/Berlin
    city          TEXT,
    bio           TEXT NOT NULL DEFAULT '',
    -- Running totals of the reviews others left, kept with each review; read on every card.
    rating_count  BIGINT NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum    BIGINT NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE categories (
    slug        TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    position    BIGINT NOT NULL
);

CREATE TABLE listings (
    id                  UUID PRIMARY KEY,
    owner_id            UUID NOT NULL REFERENCES users(id),
    category_slug       TEXT NOT NULL REFERENCES categories(slug),
    title               TEXT NOT NULL CHECK (char_length(title) BETWEEN 3 AND 120),
    description         TEXT NOT NULL,
    brand               TEXT NOT NULL DEFAULT '',
    model               TEXT NOT NULL DEFAULT '',
    condition           TEXT NOT NULL CHECK (condition IN ('new', 'like_new', 'good', 'fair')),
    currency            TEXT NOT NULL CHECK (currency IN ('EUR', 'GBP', 'USD')),
    daily_price_minor   BIGINT NOT NULL CHECK (daily_price_minor > 0),
    weekly_price_minor  BIGINT CHECK (weekly_price_minor > 0),
    monthly_price_minor BIGINT CHECK (monthly_price_minor > 0),
    deposit_minor       BIGINT NOT NULL DEFAULT 0 CHECK (deposit_minor >= 0),
    min_days            BIGINT NOT NULL DEFAULT 1 CHECK (min_days BETWEEN 1 AND 366),
    max_days            BIGINT CHECK (max_days BETWEEN min_days AND 366),
    lead_time_days      BIGINT NOT NULL DEFAULT 0 CHECK (lead_time_days BETWEEN 0 AND 365),
    buffer_days         BIGINT NOT NULL DEFAULT 0 CHECK (buffer_days BETWEEN 0 AND 30),
    instant_booking     BOOLEAN NOT NULL DEFAULT FALSE,
    city                TEXT NOT NULL,
    latitude            DOUBLE PRECISION NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude           DOUBLE PRECISION NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    time_zone           TEXT NOT NULL,           -- the owner's zone: rental days are local days
    pickup_instructions TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active'
                        CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    version             BIGINT NOT NULL DEFAULT 1,  -- optimistic locking of edits
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE INDEX listings_active_newest ON listings (status, created_at DESC, id DESC);
CREATE INDEX listings_category_newest ON listings (category_slug, status, created_at DESC, id DESC);
CREATE INDEX listings_owner ON listings (owner_id);

CREATE TABLE listing_units (
    id         UUID PRIMARY KEY,
    listing_id UUID NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (listing_id, label)
);

CREATE TABLE listing_photos (
    id           UUID PRIMARY KEY,
    listing_id   UUID NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    position     BIGINT NOT NULL CHECK (position >= 0),
    storage_key  TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    width        BIGINT NOT NULL CHECK (width > 0),
    height       BIGINT NOT NULL CHECK (height > 0),
    alt_text     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (listing_id, position)
);

INSERT INTO categories (slug, name, description, position) VALUES
    ('cameras',  'Cameras',  'Mirrorless, DSLR, film and cinema bodies', 1),
    ('lenses',   'Lenses',   'Primes, zooms and anamorphics for every mount', 2),
    ('audio',    'Audio',    'Microphones, recorders, mixers and speakers', 3),
    ('lighting', 'Lighting', 'LED panels, strobes, modifiers and stands', 4),
    ('drones',   'Drones',   'Camera drones and FPV kits', 5),
    ('bikes',    'Bikes',    'E-bikes, gravel, mountain and cargo bikes', 6),
    ('camping',  'Camping',  'Tents, sleeping bags, stoves and packs', 7),
    ('climbing', 'Climbing', 'Ropes, harnesses, crash pads and ferrata sets', 8),
    ('tools',    'Tools',    'Drills, saws, sanders and ladders', 9),
    ('water',    'Water sports', 'Paddle boards, kayaks and wetsuits', 10);
