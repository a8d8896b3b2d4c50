-- Nudges (issue 4): the outbox of 1:1 messages the bot sends outside any chat turn, each person's
-- reminder state per campaign, and what the bot knows about reaching each person.

-- One row per message. `key` is the idempotency key (reminder:<campaign>:<user>:<n>,
-- thanks:<campaign>:<user>, final:<cohort>:<user>:<date>, recovery:<cohort>:<user>,
-- escalation:<campaign>:<user>, help:<card key>:<target>): planning the same message twice finds the
-- row already there. A row moves planned → sending → sent | failed, or → cancelled while planned.
-- 'sending' is written (committed) before the HTTP call and 'sent' after it, so a row left in
-- 'sending' by a crash is known to be in doubt and is checked before it is ever sent again.
CREATE TABLE nudge_outbox (
  key             text PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('reminder', 'thanks', 'final', 'recovery', 'escalation', 'help')),
  recipient_id    text NOT NULL,                 -- aadObjectId the message goes to (the person, their manager, a helpdesk person), or 'channel'
  subject_id      text NOT NULL,                 -- the person the message is about
  campaign_id     uuid NULL,
  cohort_id       uuid NULL,
  seq             integer NULL,                  -- reminder number (1, 2, …)
  payload         jsonb NOT NULL DEFAULT '{}',   -- what the card shows; rendered at send time, the same on every attempt
  target          jsonb NULL,                    -- an explicit conversation (a helpdesk channel): {conversationId, serviceUrl}
  quiet           jsonb NULL,                    -- working hours to send in: {timeZone, startHour, endHour, weekendsOff}; null = any time
  priority        smallint NOT NULL DEFAULT 1,   -- lower first: help requests before reminders
  state           text NOT NULL CHECK (state IN ('planned', 'sending', 'sent', 'failed', 'cancelled')),
  attempts        integer NOT NULL DEFAULT 0,
  not_before      timestamptz NOT NULL,          -- next attempt time
  claim_token     text NULL,                     -- the sender term (lease holder + fencing token) that claimed it
  claimed_until   timestamptz NULL,
  sending_since   timestamptz NULL,              -- when the in-flight attempt was recorded
  conversation_id text NULL,                     -- Bot Connector conversation it went to
  service_url     text NULL,
  activity_id     text NULL,                     -- Bot Connector activity id of what was sent (to update a card in place)
  sent_at         timestamptz NULL,
  failure_code    text NULL,                     -- permanent failure: app_blocked, user_disabled, user_not_found, …
  failure_reason  text NULL,
  last_error      text NULL,                     -- the last transient error (shown while a row waits)
  resolution      text NULL,                     -- how an in-doubt attempt was settled: read_back_found, read_back_absent, resent_unverified
  response        jsonb NULL,                    -- what the person pressed on this card, so a replayed invoke answers the same
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX nudge_outbox_due ON nudge_outbox (priority, not_before) WHERE state = 'planned';
CREATE INDEX nudge_outbox_in_doubt ON nudge_outbox (sending_since) WHERE state = 'sending';
CREATE INDEX nudge_outbox_by_campaign ON nudge_outbox (campaign_id, kind, state);
CREATE INDEX nudge_outbox_by_cohort ON nudge_outbox (cohort_id, state);
CREATE INDEX nudge_outbox_by_subject ON nudge_outbox (subject_id);

-- Each person's reminder state in a campaign.
CREATE TABLE nudge_users (
  campaign_id          uuid NOT NULL,
  user_id              text NOT NULL,
  reminders_sent       integer NOT NULL DEFAULT 0,
  last_reminder_at     timestamptz NULL,
  snoozed_until        timestamptz NULL,
  thanked_at           timestamptz NULL,
  escalated_at         timestamptz NULL,
  last_interaction_at  timestamptz NULL,         -- the last button the person pressed on one of our cards
  sent_at_interaction  integer NOT NULL DEFAULT 0, -- reminders_sent when they last pressed a button (ignored = sent − this)
  updated_at           timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, user_id)
);

-- What the bot knows about reaching a person: their time zone, whether Teams refuses them, and the
-- Graph id of their 1:1 chat with the bot (for reading a message back after a crash).
CREATE TABLE nudge_recipients (
  user_id            text PRIMARY KEY,
  time_zone          text NULL,                  -- IANA
  time_zone_source   text NULL,                  -- mailbox, usage-location, fallback
  time_zone_read_at  timestamptz NULL,
  unreachable_code   text NULL,
  unreachable_reason text NULL,
  unreachable_at     timestamptz NULL,
  stale_conversation text NULL,                  -- a stored conversation id Teams said is gone
  chat_id            text NULL,
  updated_at         timestamptz NOT NULL
);

-- An enforcement date announced for a cohort (final notices go to its non-compliant members).
CREATE TABLE nudge_cohort_notices (
  cohort_id        uuid PRIMARY KEY,
  enforcement_date date NOT NULL,
  requested_at     timestamptz NOT NULL
);
