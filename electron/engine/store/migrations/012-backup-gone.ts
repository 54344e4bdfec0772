// Backups that were deleted (issue 17): a backup is stored once, the first time a poll sees it, and the age chart
// (store/backup-age.ts) used to count it from then on, deleted or not, so a chart whose newest dump was deleted looked
// fresh while the newest dump that existed was old. gone_at is when a successful poll of the source first no longer
// listed the backup (a failed poll proves nothing); NULL while it is there. A backup listed again by a later poll is
// there again: gone_at goes back to NULL (store/polls.ts).
//
// backups_readable_finished is rebuilt with gone_at at its end, so the chart still reads finish and gone times from
// the index alone (the same name, so the queries of 009-backup-age.ts's readers are unchanged). backups_present holds
// the backups not found gone, which each successful poll compares with its listing: a read as long as the listing,
// whatever the source's history; gone_at is in its entry for the same reason 009 gives for readable and size_bytes.
// IF EXISTS, IF NOT EXISTS (and migrate() skipping a present column): a test rebuilds an older file's schema by lowering user_version.
export const backupGoneSchema = `
ALTER TABLE backups ADD COLUMN gone_at INTEGER;
DROP INDEX IF EXISTS backups_readable_finished;
CREATE INDEX backups_readable_finished ON backups (source_id, finished_at, readable, size_bytes, gone_at)
  WHERE readable = 1 AND size_bytes > 0;
CREATE INDEX IF NOT EXISTS backups_present ON backups (source_id, key, finished_at, first_seen_at, gone_at) WHERE gone_at IS NULL;
`;
