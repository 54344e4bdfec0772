// Who sends alerts and heartbeats (store/alert-lease.ts): when the desktop app, `serve` and a cron `check` share
// one history file, the process holding this lease sends and the others stay quiet. At most one row (id 1):
// the holder (pid@host#token, unique per process), what it is and where, for the others' status line, and when
// the lease runs out unless renewed. No row: nobody sends yet.
export const alertSenderLeaseSchema = `
CREATE TABLE alert_sender_lease (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  holder      TEXT    NOT NULL,
  program     TEXT    NOT NULL,
  pid         INTEGER NOT NULL,
  host        TEXT    NOT NULL,
  acquired_at INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
`;
