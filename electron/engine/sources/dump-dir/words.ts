// How the rules speak of a directory of pg_dump files: one backup is a dump file, made by a dump job.
import type { DumpDirSourceConfig } from '../../../../shared/config';
import { fileName, type BackupWords } from '../../health/kind-words';

export const DUMP_DIR_WORDS: BackupWords<DumpDirSourceConfig> = {
  noun: 'backup',
  name: fileName,
  stale: () => 'check that the dump job still runs',
  small: () => "check the dump job's log",
  empty: () => 'the dump job failed or is still running',
  unreadable: 'it is not a pg_dump archive',
  none: (source) => `no file matching "${source.pattern}" in ${source.path}`,
  noneHint: () => null,
};

/** Where the dumps are, safe to print. */
export const dumpDirLocation = (source: DumpDirSourceConfig): string => source.path;
