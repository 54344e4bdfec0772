// Restore drills: one row per drill, whatever its outcome. The columns a chart or a rule filters on are
// columns; the rest (phase timings, checks, per-table counts) is one JSON document.
export const drillsSchema = `
CREATE TABLE drills (
  id             INTEGER PRIMARY KEY,
  source_id      TEXT    NOT NULL,
  backup_key     TEXT    NOT NULL,
  started_at     INTEGER NOT NULL,
  finished_at    INTEGER NOT NULL,
  outcome        TEXT    NOT NULL CHECK (outcome IN ('pass', 'fail', 'error')),
  restore_ms     INTEGER,
  tables         INTEGER NOT NULL,
  rows           INTEGER NOT NULL,
  restored_bytes INTEGER,
  message        TEXT    NOT NULL,
  detail         TEXT    NOT NULL
);
CREATE INDEX drills_by_source_time ON drills (source_id, finished_at);
CREATE INDEX drills_passing_by_source_time ON drills (source_id, finished_at) WHERE outcome = 'pass';
`;
