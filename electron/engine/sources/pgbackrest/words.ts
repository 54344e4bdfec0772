// How the rules speak of a pgBackRest stanza: one backup is a backup label, made by the pgbackrest backup cron.
import type { PgBackRestSourceConfig } from '../../../../shared/config';
import type { BackupWords } from '../../health/kind-words';

export const PGBACKREST_WORDS: BackupWords<PgBackRestSourceConfig> = {
  noun: 'backup',
  name: (key) => key,
  stale: (source) => `check that the pgbackrest backup cron for stanza ${source.stanza} still runs`,
  small: (source) => `check the pgbackrest backup log for stanza ${source.stanza}`,
  empty: (source) => `pgbackrest added nothing to the repository: check the pgbackrest backup log for stanza ${source.stanza}`,
  unreadable: 'pgbackrest info flags it as unusable',
  none: (source) => `no backups in pgBackRest stanza ${source.stanza}`,
  noneHint: (source) => `check that the pgbackrest backup cron for stanza ${source.stanza} runs (pgbackrest --stanza=${source.stanza} --type=full backup makes the first)`,
};

/** Where the stanza is, safe to print. */
export const pgbackrestLocation = (source: PgBackRestSourceConfig): string => `pgBackRest stanza ${source.stanza}`;
