// The backup-age chart from the backups' finish times (store/backup-age.ts): the age at an instant is that instant
// minus the newest readable backup finished at or before it, so a new installation watching 30 days of dumps has
// 30 days of chart at its first poll. The chart reads, per source, the finish times of the readable backups in the
// range; this partial index holds exactly those (readable = 1 AND size_bytes > 0 is isReadable, the backup-age
// rule's test, health/size.ts), so unreadable backups are not even skipped, and the read never touches the rows
// with their meta JSON: readable and size_bytes are in the entry only because SQLite (3.53) counts the columns of
// the query's WHERE as needed even when the index's WHERE settles them, and would otherwise read each row.
// Measured on 10 sources of 10,000 backups (pg_dump header meta), one source's 3 years read 101 times interleaved,
// page cache warm, a loaded 2-core machine: 1.09 ms median from this index, 1.72 ms through backups_by_source_finished
// and the rows; the whole series 1.57 ms (`npm run bench -- age-from-backups`: 1.8-10.7 ms under load, goal 25 ms).
// Cold, the rows of a source's backups are scattered over pages shared with other sources; the index's are not.
// A backup is inserted once, so the cost on ingest is one small B-tree insert per new backup.
// IF NOT EXISTS: a test rebuilds an older file's schema by lowering user_version.
export const backupAgeSchema = `
CREATE INDEX IF NOT EXISTS backups_readable_finished ON backups (source_id, finished_at, readable, size_bytes)
  WHERE readable = 1 AND size_bytes > 0;
`;
