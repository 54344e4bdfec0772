// How the rules speak of a borg repository: one backup is an archive, made by a borg create timer or cron job.
import type { BorgSourceConfig } from '../../../../shared/config';
import type { BackupWords } from '../../health/kind-words';

export const BORG_WORDS: BackupWords<BorgSourceConfig> = {
  noun: 'archive',
  name: (key) => key,
  stale: () => 'check that the borg create timer or cron job still runs and can reach the repository',
  small: () => "check the borg create job's log, and that the paths it backs up still hold what they should",
  empty: () => 'borg create saved no files: check the paths it backs up',
  unreadable: 'borg cannot describe it; run borg check',
  none: (source) => `no archives${source.pattern ? ` matching "${source.pattern}"` : ''} in borg repository ${source.host ? `${source.repo} on ${source.host}` : source.repo}`,
  noneHint: () => 'check that the borg create timer or cron job runs and writes to this repository',
};

/** Where the repository is, safe to print. */
export const borgLocation = (source: BorgSourceConfig): string => `borg repository ${source.repo}`;
