-- Policy staging (issue 5): four-eyes approvals, exemptions, the policies as the bot last wrote them
-- (drift watch), drift alerts, and the enforcement guard's state.

-- One request to move a cohort report-only → enforced, decided by another admin in a card.
CREATE TABLE approvals (
  id            uuid PRIMARY KEY,
  cohort_id     uuid NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  campaign_id   uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  from_stage    text NOT NULL,
  to_stage      text NOT NULL,
  requested_by  text NOT NULL,                  -- aadObjectId
  requested_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  reason        text NULL,                      -- the written reason when soft gates were overridden
  fingerprint   text NOT NULL,                  -- hash of the discrete gate inputs at request time
  gate_inputs   jsonb NOT NULL DEFAULT '{}',    -- numbers compared with a tolerance at approval
  gate_results  jsonb NOT NULL DEFAULT '[]',
  plan          jsonb NOT NULL DEFAULT '{}',    -- the Graph changes shown on the card
  status        text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'void')),
  decided_by    text NULL,
  decided_at    timestamptz NULL,
  decision_note text NULL,
  executed_at   timestamptz NULL,               -- the approved move completed in Entra
  cards         jsonb NOT NULL DEFAULT '[]'     -- [{conversationId, serviceUrl, activityId}] of the posted cards
);
-- At most one open request per cohort.
CREATE UNIQUE INDEX approvals_one_pending ON approvals (cohort_id) WHERE status = 'pending';
CREATE INDEX approvals_by_status ON approvals (status, expires_at);

-- A person kept out of the campaign's policies (in its exemptions group) until `until`.
CREATE TABLE exemptions (
  id             uuid PRIMARY KEY,
  campaign_id    uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  user_id        text NOT NULL,
  until          timestamptz NOT NULL,
  reason         text NOT NULL,
  granted_by     text NOT NULL,
  granted_at     timestamptz NOT NULL,
  removed_at     timestamptz NULL,
  removed_by     text NULL,
  removal_reason text NULL
);
CREATE UNIQUE INDEX exemptions_one_active ON exemptions (campaign_id, user_id) WHERE removed_at IS NULL;
CREATE INDEX exemptions_due ON exemptions (until) WHERE removed_at IS NULL;

-- What the bot last wrote (or accepted) for each object it watches: the CA policies, the custom
-- strength, the passkey policy. Drift = the live object differs from this.
CREATE TABLE policy_snapshots (
  campaign_id   uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('report-only', 'enforced', 'strength', 'passkey-policy')),
  object_id     text NOT NULL,
  snapshot      jsonb NOT NULL,
  modified_at   text NULL,                      -- the object's modifiedDateTime as Graph gave it
  taken_at      timestamptz NOT NULL,
  taken_by      text NOT NULL,
  reason        text NOT NULL,
  PRIMARY KEY (campaign_id, kind)
);

-- An out-of-band change found by the drift watch; blocks forward moves until acknowledged or re-applied.
CREATE TABLE drift_alerts (
  id           uuid PRIMARY KEY,
  campaign_id  uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  kind         text NOT NULL,
  object_id    text NOT NULL,
  detected_at  timestamptz NOT NULL,
  signature    text NOT NULL,
  changes      jsonb NOT NULL,                  -- [{field, before, after, words}]
  affects      jsonb NOT NULL DEFAULT '["*"]',  -- cohort ids, or "*" for every cohort of the campaign
  status       text NOT NULL CHECK (status IN ('open', 'acknowledged', 'reapplied', 'resolved')),
  decided_by   text NULL,
  decided_at   timestamptz NULL,
  cards        jsonb NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX drift_alerts_one_open ON drift_alerts (campaign_id, kind) WHERE status = 'open';

-- The enforcement guard's last look at a cohort's sign-ins.
CREATE TABLE guard_state (
  cohort_id     uuid PRIMARY KEY REFERENCES cohorts(id) ON DELETE CASCADE,
  checked_at    timestamptz NOT NULL,
  window_from   timestamptz NOT NULL,
  window_to     timestamptz NOT NULL,
  sign_ins      integer NOT NULL,
  blocked       integer NOT NULL,
  blocked_users integer NOT NULL,
  tripped_at    timestamptz NULL,
  details       jsonb NOT NULL DEFAULT '{}'
);
