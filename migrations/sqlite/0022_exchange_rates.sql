-- What one unit of each currency is worth in euros, the reference currency that search
-- compares prices in (sorting, the price filter and its histogram). A rate is an exact
-- integer, euros per unit times 1,000,000 ("micro-euros"), so conversions are integer
-- arithmetic alike on both backends and in memory; at most 1,000 euros per unit, which keeps
-- a price times a rate far inside 64 bits. The euro's own rate is 1 and never changes.
-- An admin keeps the others (/admin/rates): when, and who (NULL for the rows below, which
-- GearShare set on installing; an admin's deleted account leaves NULL too).
CREATE TABLE exchange_rates (
    currency   TEXT PRIMARY KEY NOT NULL CHECK (currency IN ('EUR', 'GBP', 'USD')),
    eur_micros INTEGER NOT NULL CHECK (eur_micros > 0 AND eur_micros <= 1000000000),
    set_at     TEXT NOT NULL,
    set_by     BLOB REFERENCES users (id) ON DELETE SET NULL,
    CHECK (currency <> 'EUR' OR eur_micros = 1000000)
);
-- The starting rates, to be kept current by an admin: 1 GBP = 1.1548 EUR,
-- 1 USD = 0.8584 EUR.
INSERT INTO exchange_rates (currency, eur_micros, set_at) VALUES
    ('EUR', 1000000, '2026-12-04T00:00:00+00:00'),
    ('GBP', 1154800, '2026-12-04T00:00:00+00:00'),
    ('USD', 858400, '2026-12-04T00:00:00+00:00');
