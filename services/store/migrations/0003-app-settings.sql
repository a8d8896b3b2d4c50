-- Small JSON values by key (bot-wide settings changed at run time).
CREATE TABLE app_settings (
  key   text PRIMARY KEY,
  value jsonb NOT NULL
);
