// The restic kind: a restic repository of pg_dump snapshots, here or over ssh (observe.ts, databases.ts,
// restic-command.ts), restored by copying the newest dump out of a snapshot and running the dump drill on it
// (drill.ts, drill-copy.ts).
import type { ResticSourceConfig } from '../../../../shared/config';
import { BACKUP_RULES } from '../../health/backup-rules';
import { namedInDumps } from '../../health/named-in-dumps';
import type { SourceModule } from '../module';
import { RESTIC_WORDS, resticLocation } from './words';
import { runResticDrill } from './drill';
import { resticObserver } from './observe';
import { formatBytes, formatDuration } from '../../../../shared/units';

export const resticProbe: SourceModule<ResticSourceConfig> = {
  ...resticObserver,
  drill: (source, backup, ctx) => runResticDrill(source, backup, ctx),
  rules: BACKUP_RULES,
  words: RESTIC_WORDS,
  location: resticLocation,
  keepsWal: false,
  storedLabel: 'Repository size',
  storedBytes: (metrics) => metrics.repoSizeBytes,
  describe(metrics, newest, now) {
    const snapshots = `${metrics.snapshotCount} snapshot${metrics.snapshotCount === 1 ? '' : 's'}${metrics.repoSizeBytes === null ? '' : `, repository ${formatBytes(metrics.repoSizeBytes)}`}`;
    return newest ? `${snapshots}, newest ${formatDuration(now - newest.finishedAt)} ago, ${formatBytes(newest.sizeBytes)} to restore` : snapshots;
  },
  passwordFile: (source) => source.passwordFile,
  covers: namedInDumps,
};
