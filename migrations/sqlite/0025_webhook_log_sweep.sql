-- The delivery log keeps WEBHOOK_LOG_DAYS: every ten minutes the tries older than that go,
-- and so do the messages delivered before then. These indexes let that sweep find them
-- without reading the whole log.
CREATE INDEX webhook_attempts_at ON webhook_attempts (at);
CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (delivered_at)
    WHERE delivered_at IS NOT NULL;
