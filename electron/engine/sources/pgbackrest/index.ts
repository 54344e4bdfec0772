// The pgbackrest kind: a pgBackRest stanza, here or over ssh (observe.ts), restored as a whole cluster into a
// scratch data directory and replayed to consistency (drill.ts, remote-copy.ts, wal.ts, verify.ts), and judged
// by its own full-backup rules and the continuity of its WAL archive besides the generic ones (rules.ts,
// archive-continuity.ts).
import type { PgBackRestSourceConfig } from '../../../../shared/config';
import { BACKUP_RULES, backupSize } from '../../health/backup-rules';
import type { SourceModule } from '../module';
import { PGBACKREST_WORDS, pgbackrestLocation } from './words';
import { drillPgBackRest } from './drill';
import { pgbackrestObserver } from './observe';
import { PGBACKREST_RULES } from './rules';
import { formatBytes, formatDuration } from '../../../../shared/units';

export const pgbackrestProbe: SourceModule<PgBackRestSourceConfig> = {
  ...pgbackrestObserver,
  drill: drillPgBackRest,
  // Sizes are judged per backup type there (a small incremental is normal): see rules.ts.
  rules: [...BACKUP_RULES.filter((rule) => rule !== backupSize), ...PGBACKREST_RULES],
  words: PGBACKREST_WORDS,
  location: pgbackrestLocation,
  keepsWal: true,
  storedLabel: 'Repository size',
  // Absent from polls recorded before Backup Health measured it.
  storedBytes: (metrics) => metrics.repoSizeBytes ?? null,
  describe(metrics, newest, now) {
    // Only a gap is added: a whole archive reads as before.
    const missing = metrics.walArchive?.missingSegments ?? 0;
    const gap = missing > 0 ? `, ${missing} WAL segment${missing === 1 ? '' : 's'} missing` : '';
    const sets = `stanza ${metrics.stanzaStatus.message}, ${metrics.backupCount} backup${metrics.backupCount === 1 ? '' : 's'}${metrics.archiveMax ? `, WAL archived up to ${metrics.archiveMax}` : ''}${gap}`;
    return newest ? `${sets}, newest ${formatDuration(now - newest.finishedAt)} ago` : sets;
  },
  passwordFile: () => undefined,
  // A physical backup of the whole cluster.
  covers: () => 'cluster',
};
