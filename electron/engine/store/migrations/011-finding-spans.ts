// Finding history (issue 17): when each finding of a source or a database opened and when it was fixed, so a report
// says exactly when a failure ended even while another finding kept the subject down (no status change happens
// then). One row per span of one rule below ok: `status` and `message` are its worst while open, `fixed_at` NULL
// while it is. `subject` is a source id, or "database:<key>" (source ids never hold a colon).
// And a database's status changes, as `events` holds a source's: a database's status is computed, not polled, so
// the engine records each change it computes (store/database-events.ts).
// Like drills, status events and policies, never thinned. IF NOT EXISTS: a test rebuilds an older file's schema by
// lowering user_version.
export const findingSpansSchema = `
CREATE TABLE IF NOT EXISTS finding_spans (
  id        INTEGER PRIMARY KEY,
  subject   TEXT    NOT NULL,
  rule      TEXT    NOT NULL,
  status    TEXT    NOT NULL,
  message   TEXT    NOT NULL,
  opened_at INTEGER NOT NULL,
  fixed_at  INTEGER
);
CREATE INDEX IF NOT EXISTS finding_spans_by_subject_time ON finding_spans (subject, opened_at, fixed_at);
CREATE INDEX IF NOT EXISTS finding_spans_open ON finding_spans (subject) WHERE fixed_at IS NULL;
CREATE TABLE IF NOT EXISTS database_events (
  id           INTEGER PRIMARY KEY,
  at           INTEGER NOT NULL,
  database_key TEXT    NOT NULL,
  from_status  TEXT,
  to_status    TEXT    NOT NULL,
  findings     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS database_events_by_key_time ON database_events (database_key, at);
`;
