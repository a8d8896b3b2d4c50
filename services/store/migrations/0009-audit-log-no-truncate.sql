-- TRUNCATE skips row triggers: without this, one statement emptied the append-only audit log and
-- `audit verify` then reported an intact chain of 0 entries.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
