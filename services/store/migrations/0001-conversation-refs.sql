-- How to reach each user in their Teams 1:1 chat with the bot (a proactive-message reference).
CREATE TABLE conversation_refs (
  aad_object_id   text PRIMARY KEY,
  tenant_id       text NOT NULL,
  teams_user_id   text NOT NULL,            -- 29:…
  conversation_id text NOT NULL,
  service_url     text NOT NULL,
  bot_id          text NOT NULL,
  source          text NOT NULL CHECK (source IN ('installation', 'message', 'created')),
  updated_at      timestamptz NOT NULL
);
