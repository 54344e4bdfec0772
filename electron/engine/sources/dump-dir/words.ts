// How the rules speak of a directory of pg_dump files: one backup is a dump file, made by a dump job. A bucket
// (url) is spoken of as a bucket: its dumps are objects, copied there by a job of their own.
import type { DumpDirSourceConfig } from '../../../../shared/config';
import { fileName, type BackupWords } from '../../health/kind-words';

export const DUMP_DIR_WORDS: BackupWords<DumpDirSourceConfig> = {
  noun: 'backup',
  name: fileName,
  stale: (source) => (source.url ? 'check that the dump job and the upload to the bucket still run' : 'check that the dump job still runs'),
  small: (source) => (source.url ? "check the dump job's and the upload's logs" : "check the dump job's log"),
  empty: (source) => (source.url ? 'the dump job or the upload failed' : 'the dump job failed or is still running'),
  unreadable: 'it is not a pg_dump archive',
  none: (source) => (source.url ? `the bucket holds no backups: no object matching "${source.pattern}" in ${source.url}` : `no file matching "${source.pattern}" in ${source.path}`),
  noneHint: (source) => (source.url ? 'check that the dump job uploads there (aws s3 cp, rclone…) and that url names the right bucket and prefix' : null),
};

/** Where the dumps are, safe to print. */
export const dumpDirLocation = (source: DumpDirSourceConfig): string => source.url ?? source.path ?? '';
