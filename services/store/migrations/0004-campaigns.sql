-- Campaigns, their cohorts (Entra groups), each member's compliance, and the per-user registration
-- picture the sync keeps (issue 3).

CREATE TABLE campaigns (
  id                    uuid PRIMARY KEY,
  name                  text NOT NULL,
  name_key              text NOT NULL UNIQUE,          -- lower(name): names are unique, case-insensitively
  strength_kind         text NOT NULL CHECK (strength_kind IN ('phishing-resistant', 'passkeys-only', 'custom')),
  strength_id           text NULL,                     -- authentication strength policy id (null until a passkeys-only one is created)
  deadline              date NULL,
  threshold_pct         numeric NOT NULL,
  aaguid_allow          text[] NOT NULL DEFAULT '{}',
  aaguid_block          text[] NOT NULL DEFAULT '{}',
  settings              jsonb NOT NULL DEFAULT '{}',    -- cadence, soak, gates, helpdesk contacts, fallback time zone …
  nudges_paused         boolean NOT NULL DEFAULT false,
  report_only_policy_id text NULL,
  enforced_policy_id    text NULL,
  exemptions_group_id   text NULL,
  created_by            text NOT NULL,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  version               integer NOT NULL DEFAULT 1
);

-- Emergency access accounts and groups: excluded from every enforced policy, never reminded.
CREATE TABLE campaign_breakglass (
  campaign_id   uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  principal_id  text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('user', 'group')),
  display_name  text NOT NULL,
  added_by      text NOT NULL,
  added_at      timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, principal_id)
);

CREATE TABLE cohorts (
  id                 uuid PRIMARY KEY,
  campaign_id        uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  name               text NOT NULL,
  name_key           text NOT NULL UNIQUE,             -- unique across campaigns
  group_id           text NOT NULL,
  group_name         text NOT NULL,
  tier               text NOT NULL CHECK (tier IN ('tier0', 'tier1', 'workforce')),
  stage              text NOT NULL CHECK (stage IN ('planned', 'nudging', 'report-only', 'enforced')),
  paused             boolean NOT NULL DEFAULT false,
  stage_changed_at   timestamptz NOT NULL,
  members_synced_at  timestamptz NULL,
  member_count       integer NOT NULL DEFAULT 0,
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  version            integer NOT NULL DEFAULT 1,
  UNIQUE (campaign_id, group_id)
);

-- One row per (cohort, user) ever seen; leavers stay with active = false so history is kept.
CREATE TABLE cohort_members (
  cohort_id      uuid NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  user_id        text NOT NULL,
  active         boolean NOT NULL DEFAULT true,
  joined_at      timestamptz NOT NULL,
  left_at        timestamptz NULL,
  is_break_glass boolean NOT NULL DEFAULT false,
  state          text NOT NULL DEFAULT 'pending_detail',
  reason         text NOT NULL DEFAULT '',
  advice         text NOT NULL DEFAULT '',
  kind           text NULL,                            -- best qualifying kind, else best present kind, else 'none'
  provider       text NULL,                            -- provider of that passkey
  passkey_count  integer NULL,                         -- null when the report cannot count them
  needs_detail   boolean NOT NULL DEFAULT false,
  evaluated_at   timestamptz NULL,
  PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_members_by_state ON cohort_members (cohort_id, active, state);
CREATE INDEX cohort_members_by_user ON cohort_members (user_id);

-- The registration picture of each person the bot tracks (from the report and fido2Methods).
CREATE TABLE directory_users (
  user_id              text PRIMARY KEY,
  upn                  text NOT NULL DEFAULT '',
  display_name         text NOT NULL DEFAULT '',
  account_enabled      boolean NULL,
  user_type            text NULL,
  methods_registered   text[] NULL,                    -- null until the report was read
  passwordless_capable boolean NULL,
  is_admin             boolean NULL,
  report_last_updated  timestamptz NULL,               -- the report's lastUpdatedDateTime
  report_read_at       timestamptz NULL,
  fido2                jsonb NULL,                     -- PasskeyView[] from fido2Methods
  fido2_read_at        timestamptz NULL,
  fido2_for_report     timestamptz NULL,               -- the report_last_updated the fido2 read belongs to
  updated_at           timestamptz NOT NULL
);
CREATE INDEX directory_users_by_upn ON directory_users (lower(upn));

CREATE TABLE sync_runs (
  id            uuid PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('full', 'incremental')),
  campaign_id   uuid NULL,
  status        text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  requested_by  text NULL,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz NULL,
  progress      jsonb NOT NULL DEFAULT '{}',
  error         text NULL,
  audit_watermark timestamptz NULL                     -- directory audits read up to here
);
CREATE INDEX sync_runs_recent ON sync_runs (started_at DESC);
