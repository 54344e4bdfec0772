// The source page's recoverable-window chart (store/wal-windows.ts): what each poll of a WAL-keeping source saw of
// its archive, taken from its metrics at ingest. wal_archive is 1 when the poll judged the archive (its metrics
// hold a WalArchiveSummary), 0 when it could not (walArchive null, walArchiveError says why), NULL when its metrics
// say nothing of an archive (other kinds, failed polls, pgBackRest polls from before the archive was listed);
// the window's start and end, the segments missing and where recovery stops are the chart's point of that poll.
//
// Why columns and a partial index rather than reading the metrics JSON: a year of 5-minute polls is ~105k rows,
// and the page read and decoded every one (`npm run bench -- source-page`). Extracting the five values with
// json_extract in SQLite still reads each wide row and parses its JSON (measured at ~30% of the old time, and
// merely reading the rows costs ~15%), so no query over the metrics could get far below it. The partial index
// holds only the polls that said something of an archive, with the chart's values, so the chart reads index
// pages alone (each time bucket's worst poll is one range seek) and other kinds pay nothing on ingest. Measured
// with that bench on a 2-core machine under heavy load (absolute times ~10x an idle one's): sourceDetail for a
// year went from 10.0 s (1.65x the time of merely reading the polls, 6.1 s in the same run) to 0.26-0.60 s
// (0.025-0.085x of it), a 17-38x speed-up; the window series alone is as cheap as the backup-age series.
//
// Polls recorded before are filled in here from their metrics, with the same rules as wal-windows.ts applies at
// ingest (a test compares both), so the chart of an old stretch stays what it was. Only rows mentioning walArchive
// are parsed.
export const walWindowsSchema = `
ALTER TABLE polls ADD COLUMN wal_archive INTEGER;
ALTER TABLE polls ADD COLUMN wal_from INTEGER;
ALTER TABLE polls ADD COLUMN wal_to INTEGER;
ALTER TABLE polls ADD COLUMN wal_missing INTEGER;
ALTER TABLE polls ADD COLUMN wal_stops_at INTEGER;
UPDATE polls SET
  wal_archive = iif(json_type(metrics, '$.walArchive') = 'null', 0, 1),
  wal_from = (SELECT min(value ->> '$.fromArchivedAt') FROM json_each(metrics, '$.walArchive.windows')),
  wal_to = coalesce(metrics ->> '$.walArchive.newestArchivedAt',
                    (SELECT max(value ->> '$.toArchivedAt') FROM json_each(metrics, '$.walArchive.windows'))),
  wal_missing = metrics ->> '$.walArchive.missingSegments',
  wal_stops_at = iif(metrics ->> '$.walArchive.missingSegments' > 0, metrics ->> '$.walArchive.gaps[0].afterArchivedAt', NULL)
WHERE instr(metrics, '"walArchive"') > 0 AND json_type(metrics, '$.walArchive') IS NOT NULL;
CREATE INDEX polls_wal_windows ON polls (source_id, at, wal_archive, wal_missing, wal_from, wal_to, wal_stops_at)
  WHERE wal_archive IS NOT NULL;
`;
