-- Renters and owners write to each other. A conversation is between a listing's renter (the
-- person asking or booking) and its owner: an inquiry about the listing (no booking yet),
-- which the renter's next booking of the listing continues, or a booking's own. Messages are
-- numbered within their conversation (`message_count` is the last number); each side's unread
-- count and the last number it has read are kept with the conversation, so the navigation's
-- count is one indexed sum and "Seen" one comparison.
CREATE TABLE conversations (
    id              BLOB PRIMARY KEY NOT NULL,
    listing_id      BLOB NOT NULL REFERENCES listings(id),
    renter_id       BLOB NOT NULL REFERENCES users(id),
    owner_id        BLOB NOT NULL REFERENCES users(id),
    booking_id      BLOB UNIQUE REFERENCES bookings(id),
    created_at      TEXT NOT NULL,
    last_message_at TEXT NOT NULL,
    renter_unread   INTEGER NOT NULL DEFAULT 0 CHECK (renter_unread >= 0),
    owner_unread    INTEGER NOT NULL DEFAULT 0 CHECK (owner_unread >= 0),
    message_count   INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    renter_read_seq INTEGER NOT NULL DEFAULT 0,
    owner_read_seq  INTEGER NOT NULL DEFAULT 0,
    CHECK (renter_id <> owner_id)
);
-- One open inquiry per renter and listing.
CREATE UNIQUE INDEX conversations_inquiry ON conversations (listing_id, renter_id)
    WHERE booking_id IS NULL;
CREATE INDEX conversations_renter ON conversations (renter_id, last_message_at);
CREATE INDEX conversations_owner ON conversations (owner_id, last_message_at);

-- Plain text as typed (line breaks as \n); escaped where it is shown.
CREATE TABLE messages (
    id              BLOB PRIMARY KEY NOT NULL,
    conversation_id BLOB NOT NULL REFERENCES conversations(id),
    author_id       BLOB NOT NULL REFERENCES users(id),
    seq             INTEGER NOT NULL CHECK (seq >= 1),
    body            TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    sent_at         TEXT NOT NULL,
    UNIQUE (conversation_id, seq)
);
-- The rate limit counts an author's recent messages.
CREATE INDEX messages_author ON messages (author_id, sent_at);

-- What members report to the admins (conversations now; reviews, listings and people later),
-- once per reporter and subject.
CREATE TABLE reports (
    id          BLOB PRIMARY KEY NOT NULL,
    subject     TEXT NOT NULL CHECK (subject IN ('conversation', 'review', 'listing', 'person')),
    subject_id  BLOB NOT NULL,
    reporter_id BLOB NOT NULL REFERENCES users(id),
    reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'acted')),
    created_at  TEXT NOT NULL,
    UNIQUE (subject, subject_id, reporter_id)
);
CREATE INDEX reports_open ON reports (status, created_at);
