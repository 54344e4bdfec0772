// The storage chart: each poll's stored size (a repository, a dump directory, a server's databases; see
// store/stored-bytes.ts), taken from its metrics at ingest. Polls recorded before stay null: their metrics
// JSON is still there, but rewriting a year of rows would hold up the first start for an old stretch of chart.
//
// Why stored_bytes goes into the covering index instead of only the table: the storage chart then reads a
// year of one source from the index pages alone, as the backup-age chart does; without it every bucket
// fetches the wide rows with their metrics JSON (~390 ms a year, see 001-initial.ts). A second index would
// cost a second B-tree insert per poll; one wider entry costs a few bytes. Measured with `npm run bench --
// store` (1M polls, 100 sources, against bare inserts into the same schema): ingest ratio 0.87 with the
// wider index, 0.88 with the column left out of it (run-to-run noise is larger); the one-year backup-age
// series 13.9 ms (15.7 ms before). On 10M polls with sizes, one source's year of storedSeries takes ~13 ms,
// and this migration, which rebuilds the index, ~9 s once.
export const storedBytesSchema = `
ALTER TABLE polls ADD COLUMN stored_bytes INTEGER;
DROP INDEX polls_by_source_time;
CREATE INDEX polls_by_source_time ON polls (source_id, at, newest_backup_at, stored_bytes);
`;
