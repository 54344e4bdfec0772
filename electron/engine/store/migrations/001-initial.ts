// The first schema. Times are epoch ms, sizes bytes; JSON columns hold what shared/model.ts describes.
//
// Why polls are a plain rowid table plus one covering index on (source_id, at, newest_backup_at):
// polls arrive in time order for ~100 sources at once, so rowid appends are cheap, and the index
// holds everything the backup-age chart needs (a few dozen bytes per poll), so a year of one source
// is read from ~1,000 index pages without touching the wide rows (metrics JSON). Measured on 10M
// polls (95 sources, 5-minute polls, one year): min/max per bucket over this index takes ~13 ms for
// one source's year, against ~57 ms just to fetch its 105k raw (at, newest_backup_at) pairs into
// JS and ~390 ms to fetch the full rows. A WITHOUT ROWID table clustered on (source_id, at) would
// have to read the wide rows for the same chart, and SQLite advises against it for rows this size;
// a roll-up table would cost a second write per poll on ingest. The same index serves latestPoll,
// polls() and consecutiveFailures.
export const initialSchema = `
CREATE TABLE polls (
  id                 INTEGER PRIMARY KEY,
  source_id          TEXT    NOT NULL,
  at                 INTEGER NOT NULL,
  duration_ms        INTEGER NOT NULL,
  ok                 INTEGER NOT NULL CHECK (ok IN (0, 1)),
  error_code         TEXT,
  error_message      TEXT,
  error_host         TEXT,
  metrics            TEXT,
  newest_backup_at   INTEGER,
  newest_backup_size INTEGER,
  status             TEXT    NOT NULL CHECK (status IN ('ok', 'warning', 'critical', 'unknown'))
);
CREATE INDEX polls_by_source_time ON polls (source_id, at, newest_backup_at);

-- A backup is stored once, the first time a poll sees it. A file overwritten in place keeps its key
-- but gets a new finished_at, so it is a new backup.
CREATE TABLE backups (
  id            INTEGER PRIMARY KEY,
  source_id     TEXT    NOT NULL,
  key           TEXT    NOT NULL,
  type          TEXT    NOT NULL,
  started_at    INTEGER,
  finished_at   INTEGER NOT NULL,
  size_bytes    INTEGER NOT NULL,
  readable      INTEGER NOT NULL CHECK (readable IN (0, 1)),
  problem       TEXT,
  meta          TEXT,
  first_seen_at INTEGER NOT NULL,
  UNIQUE (source_id, key, finished_at)
);
CREATE INDEX backups_by_source_finished ON backups (source_id, finished_at);

CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  source_id   TEXT    NOT NULL,
  from_status TEXT,
  to_status   TEXT    NOT NULL,
  findings    TEXT    NOT NULL
);
CREATE INDEX events_by_source_time ON events (source_id, at);
CREATE INDEX events_by_time ON events (at);
`;
