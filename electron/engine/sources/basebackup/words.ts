// How the rules speak of a basebackup source: one backup is a pg_basebackup run, named by its directory, made
// by the base backup job (cron or systemd timer) running pg_basebackup into `path`.
import type { BaseBackupSourceConfig } from '../../../../shared/config';
import type { BackupWords } from '../../health/kind-words';

export const BASEBACKUP_WORDS: BackupWords<BaseBackupSourceConfig> = {
  noun: 'base backup',
  name: (key) => key,
  stale: (source) => `check that the pg_basebackup job (its cron or systemd timer) still runs and writes into ${basebackupLocation(source)}`,
  small: () => "check the pg_basebackup job's log (a run that stopped early leaves a small directory), and whether data was dropped",
  empty: () => 'pg_basebackup wrote nothing: check the job and the space on the backup disk',
  unreadable: 'it cannot be restored as a base backup',
  none: (source) => `no base backups in ${basebackupLocation(source)}`,
  noneHint: (source) => `check that the pg_basebackup job runs and writes one directory per run into ${source.path} (pg_basebackup -D ${source.path}/<date> -Ft -z makes one)`,
};

/** Where the backups are, safe to print. */
export const basebackupLocation = (source: BaseBackupSourceConfig): string => (source.host ? `${source.path} on ${source.host}` : source.path);

/** Where the WAL archive is, safe to print. */
export const archiveLocation = (source: BaseBackupSourceConfig): string => (source.host ? `${source.walArchive} on ${source.host}` : source.walArchive);
