-- The delivery log keeps WEBHOOK_LOG_DAYS: every ten minutes the tries older than that go,
-- and so do the messages delivered before then. These indexes let that sweep find them
-- without reading the whole log, and a deleted message find its tries (the cascade).
CREATE INDEX webhook_attempts_at ON webhook_attempts (at);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (delivered_at)
    WHERE delivered_at IS NOT NULL;
