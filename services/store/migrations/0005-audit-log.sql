-- Append-only, hash-chained audit log: every change and every decision (issue 5.9).
-- Each row's hash covers its content and the previous row's hash, so editing or deleting a row
-- breaks the chain from there on; `audit verify` recomputes it.
CREATE TABLE audit_log (
  seq              bigint PRIMARY KEY,
  at               timestamptz NOT NULL,
  actor            text NOT NULL,              -- aadObjectId, or 'system:<job>'
  action           text NOT NULL,              -- e.g. campaign.create, cohort.advance
  campaign_id      uuid NULL,
  cohort_id        uuid NULL,
  subject          text NULL,                  -- what the action was about (a user id, a policy id …)
  before           jsonb NULL,
  after            jsonb NULL,
  details          jsonb NOT NULL DEFAULT '{}',
  graph_request_id text NULL,
  prev_hash        text NOT NULL,
  hash             text NOT NULL
);
CREATE INDEX audit_log_by_cohort ON audit_log (cohort_id, seq DESC);
CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, seq DESC);

-- The log only grows: updates and deletes are refused by the database itself.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
