-- Audit records are swept after a retention period (AUDIT_RETENTION_DAYS): by time.
CREATE INDEX audit_events_by_time ON audit_events (at);
