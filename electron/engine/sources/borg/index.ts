// The borg kind: a borg repository of pg_dump archives, here or over ssh (observe.ts, databases.ts), restored
// by extracting the newest dump of an archive and running the dump drill on it (drill.ts, export.ts).
import type { BorgSourceConfig } from '../../../../shared/config';
import { BACKUP_RULES } from '../../health/backup-rules';
import { namedInDumps } from '../../health/named-in-dumps';
import type { SourceModule } from '../module';
import { BORG_WORDS, borgLocation } from './words';
import { runBorgDrill } from './drill';
import { borgObserver } from './observe';
import { formatBytes, formatDuration } from '../../../../shared/units';

export const borgProbe: SourceModule<BorgSourceConfig> = {
  ...borgObserver,
  drill: (source, backup, ctx) => runBorgDrill(source, backup, ctx),
  rules: BACKUP_RULES,
  words: BORG_WORDS,
  location: borgLocation,
  keepsWal: false,
  storedLabel: 'Repository size',
  storedBytes: (metrics) => metrics.repoSizeBytes,
  describe(metrics, newest, now) {
    const archives = `${metrics.archiveCount} archive${metrics.archiveCount === 1 ? '' : 's'}${metrics.repoSizeBytes === null ? '' : `, repository ${formatBytes(metrics.repoSizeBytes)}`}`;
    return newest ? `${archives}, newest ${formatDuration(now - newest.finishedAt)} ago, ${formatBytes(newest.sizeBytes)}` : archives;
  },
  passwordFile: (source) => source.passwordFile,
  covers: namedInDumps,
};
