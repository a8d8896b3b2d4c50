-- Named leases with fencing tokens: one replica holds "scheduler" at a time. Rows are never
-- deleted (release only expires them), so a lease's token only ever grows.
CREATE TABLE leases (
  name       text PRIMARY KEY,
  holder     text NOT NULL,
  token      bigint NOT NULL CHECK (token > 0),
  expires_at timestamptz NOT NULL
);
