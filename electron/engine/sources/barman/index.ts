// The barman kind: a Barman server, read through `barman -f json` here or on its host over ssh (barman-command.ts,
// barman-json.ts) and its WAL listing xlog.db (xlogdb.ts). observe.ts makes every DONE backup a backup and keeps
// the rest (FAILED, WAITING_FOR_WALS, under way) and Barman's failing checks in the metrics; rules.ts judges
// them in Barman's words; WAL continuity is the WAL library's, as for every kind that keeps WAL.
import type { BarmanSourceConfig } from '../../../../shared/config';
import { formatBytes, formatDuration } from '../../../../shared/units';
import { BACKUP_RULES } from '../../health/backup-rules';
import { walContinuityRule } from '../../health/wal-rules';
import type { SourceModule } from '../module';
import { runBarmanDrill } from './drill';
import { barmanObserver } from './observe';
import { BARMAN_RULES } from './rules';
import { BARMAN_WORDS, barmanLocation } from './words';

export const barmanProbe: SourceModule<BarmanSourceConfig> = {
  ...barmanObserver,
  drill: (source, backup, ctx) => runBarmanDrill(source, backup, ctx),
  rules: [...BACKUP_RULES, ...BARMAN_RULES, walContinuityRule],
  words: BARMAN_WORDS,
  location: (source) => `Barman server ${barmanLocation(source)}`,
  keepsWal: true,
  storedLabel: 'Barman backups and WAL',
  storedBytes: (metrics) => metrics.backupBytes + metrics.archiveBytes,
  describe(metrics, newest, now) {
    const backups = `${metrics.backupCount} DONE backup${metrics.backupCount === 1 ? '' : 's'} (${formatBytes(metrics.backupBytes)}), WAL ${formatBytes(metrics.archiveBytes)} in ${metrics.archiveFiles} file${metrics.archiveFiles === 1 ? '' : 's'}`;
    const wal = metrics.newestSegment && metrics.newestSegmentAt !== null ? `, newest segment ${metrics.newestSegment} archived ${formatDuration(Math.max(0, now - metrics.newestSegmentAt))} ago` : ', no segment archived';
    const others = Object.entries(metrics.statusCounts)
      .filter(([status]) => status !== 'DONE')
      .map(([status, count]) => `${count} ${status}`);
    const server = metrics.serverCurrentWal ? `, server writing ${metrics.serverCurrentWal}` : '';
    const checks = metrics.checkFailures?.length ? `, barman check: ${metrics.checkFailures.length} failing` : '';
    return `${backups}${wal}${newest ? `, newest backup ${formatDuration(Math.max(0, now - newest.finishedAt))} ago` : ''}${server}${others.length ? `, ${others.join(', ')}` : ''}${checks}`;
  },
  passwordFile: () => undefined,
  // A physical backup of the whole cluster.
  covers: () => 'cluster',
};
