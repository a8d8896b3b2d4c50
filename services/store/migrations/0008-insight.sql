-- Insight for admins (issue 6): people's registered devices (readiness), and one snapshot of every
-- cohort's counts per day so adoption trends exist.
ALTER TABLE directory_users ADD COLUMN devices jsonb NULL;
ALTER TABLE directory_users ADD COLUMN devices_read_at timestamptz NULL;

CREATE TABLE cohort_snapshots (
  day        date NOT NULL,              -- UTC day
  cohort_id  uuid NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  total      integer NOT NULL,
  counted    integer NOT NULL,           -- members counted in the readiness share
  compliant  integer NOT NULL,
  states     jsonb NOT NULL,             -- { state: count }
  taken_at   timestamptz NOT NULL,
  PRIMARY KEY (day, cohort_id)
);
