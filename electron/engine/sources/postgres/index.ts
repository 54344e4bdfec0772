// The postgres kind: a PostgreSQL server, observed over one connection (observe.ts; connection, password and
// error handling in postgres/), judged by its WAL archiving, replication and coverage. Not a backup: no drill,
// covers nothing itself.
import type { PostgresSourceConfig } from '../../../../shared/config';
import { coverage, replication, walArchiving } from '../../health/postgres-rules';
import type { SourceModule } from '../module';
import { postgresLocation } from './words';
import { postgresObserver } from './observe';

export const postgresProbe: SourceModule<PostgresSourceConfig> = {
  ...postgresObserver,
  drill: undefined,
  rules: [walArchiving, replication, coverage],
  words: null,
  location: postgresLocation,
  keepsWal: false,
  storedLabel: 'Database size',
  storedBytes(metrics) {
    // The databases the monitoring role may size; none of them is "not known", not 0 bytes.
    let sum: number | null = null;
    for (const database of metrics.databases) if (database.sizeBytes !== null) sum = (sum ?? 0) + database.sizeBytes;
    return sum;
  },
  describe(metrics) {
    const standbys = metrics.standbys.length ? `, ${metrics.standbys.length} standby${metrics.standbys.length === 1 ? '' : 's'}` : '';
    const archiving = metrics.archiver && metrics.archiver.archiveMode !== 'off' ? ', WAL archiving on' : ', WAL archiving off';
    return `PostgreSQL ${metrics.serverVersion}${metrics.inRecovery ? ' (standby)' : ''}, ${metrics.databases.length} database${metrics.databases.length === 1 ? '' : 's'}${archiving}${standbys}`;
  },
  passwordFile: (source) => source.passwordFile,
  covers: () => null,
};
