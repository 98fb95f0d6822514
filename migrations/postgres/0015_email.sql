-- Emails owed to members about what the app told them: a row per thing and member, written in
-- the transaction of the notification with the job that sends it. The job reads the row, so
-- an email is sent once even when the job runs twice; `sent_at` or `skipped` close it.
CREATE TABLE emails (
    id              UUID PRIMARY KEY,
    recipient_id    UUID NOT NULL REFERENCES users(id),
    -- The preference it falls under (the app's enum, as text).
    topic           TEXT NOT NULL,
    -- Once per event and member, as for notifications; a digest once per member and day.
    dedupe_key      TEXT NOT NULL,
    notification_id UUID REFERENCES notifications(id),
    -- Messages: at most one email per conversation and member every 15 minutes.
    conversation_id UUID REFERENCES conversations(id),
    created_at      TIMESTAMPTZ NOT NULL,
    due_at          TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    -- Why it was not sent: read in the app first, turned off, or the account closed.
    skipped         TEXT,
    UNIQUE (recipient_id, dedupe_key)
);
CREATE INDEX emails_conversation ON emails (recipient_id, conversation_id, due_at)
    WHERE conversation_id IS NOT NULL;
CREATE INDEX emails_notification ON emails (notification_id) WHERE notification_id IS NOT NULL;

-- What each member wants by email, per topic; no row is the default (each email as it comes).
CREATE TABLE email_preferences (
    member_id  UUID NOT NULL REFERENCES users(id),
    topic      TEXT NOT NULL,
    choice     TEXT NOT NULL CHECK (choice IN ('each', 'daily', 'off')),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (member_id, topic)
);
