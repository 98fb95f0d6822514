-- Favourites: the listings a member saved ("Save" on a listing, `/favourites`). A member
-- keeps at most 500 (listings::favourites::MOST_SAVED).
CREATE TABLE favourites (
    user_id     BLOB NOT NULL REFERENCES users(id),
    listing_id  BLOB NOT NULL REFERENCES listings(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, listing_id)
);
CREATE INDEX favourites_newest ON favourites (user_id, created_at);
