-- Searches members keep, to be told when new gear matches: the filters as a query string
-- (no dates, no order), and its words for people. Once per member and query.
CREATE TABLE saved_searches (
    id         BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    query      TEXT NOT NULL CHECK (length(query) <= 2000),
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, query)
);

-- A notification may tell of a listing, found for one of the member's saved searches.
ALTER TABLE notifications ADD COLUMN listing_id BLOB REFERENCES listings(id);
ALTER TABLE notifications ADD COLUMN saved_search_id BLOB
    REFERENCES saved_searches(id) ON DELETE SET NULL;
-- A search's finds of the last day (at most 5 a day), and forgetting a search.
CREATE INDEX notifications_saved_search ON notifications (saved_search_id, created_at);
