// Policy history (issue 17): every change of a source's or a database's judging limits (drill schedule, maxAge,
// recovery objectives, ...) as the config the engine loaded said them, with the time it took effect, so an audit
// report judges a past week by the policy of that week, not today's. One row per change; `policy` is the JSON of
// the judging fields only (report/policy.ts: never a URL, a password or a token), NULL when the subject left the
// config. `subject` is "source:<id>" or "database:<server>/<name>". Like drills and status events, never thinned.
// IF NOT EXISTS: a test rebuilds an older file's schema by lowering user_version.
export const policiesSchema = `
CREATE TABLE IF NOT EXISTS policies (
  id      INTEGER PRIMARY KEY,
  subject TEXT    NOT NULL,
  at      INTEGER NOT NULL,
  policy  TEXT
);
CREATE INDEX IF NOT EXISTS policies_by_subject_time ON policies (subject, at);
`;
