-- What needs a member's attention: a row per thing and member, written in the transaction of
-- the change that makes it (a request, an answer, a message) or by the job that is its clock
-- (a reminder). The kind is the app's enum, kept as text without a CHECK so that a new kind
-- needs no rebuild of the table; rows of a kind the app does not know are not shown.
CREATE TABLE notifications (
    id              UUID PRIMARY KEY,
    recipient_id    UUID NOT NULL REFERENCES users(id),
    kind            TEXT NOT NULL,
    -- Once per event and member: a second writer of the same thing (a job run twice, two
    -- instances) adds nothing.
    dedupe_key      TEXT NOT NULL,
    booking_id      UUID REFERENCES bookings(id),
    conversation_id UUID REFERENCES conversations(id),
    -- New messages gather in one entry per conversation while it is unread.
    count           BIGINT NOT NULL DEFAULT 1 CHECK (count >= 1),
    created_at      TIMESTAMPTZ NOT NULL,
    read_at         TIMESTAMPTZ,
    UNIQUE (recipient_id, dedupe_key)
);
CREATE INDEX notifications_recent ON notifications (recipient_id, created_at);
-- The bell's count, and marking a booking's or a conversation's entries read.
CREATE INDEX notifications_unread ON notifications (recipient_id, booking_id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_message_unread ON notifications (recipient_id, conversation_id)
    WHERE kind = 'message' AND read_at IS NULL;
