// How the rules speak of a restic repository: one backup is a snapshot, made by a restic backup job.
import type { ResticSourceConfig } from '../../../../shared/config';
import type { BackupWords } from '../../health/kind-words';

export const RESTIC_WORDS: BackupWords<ResticSourceConfig> = {
  noun: 'snapshot',
  // restic's own short id: what `restic snapshots` prints and every restic command takes.
  name: (key) => key.slice(0, 8),
  stale: () => 'check that the restic backup job still runs (its systemd timer or cron) and can reach the repository',
  small: () => "check the restic backup job's log, and that the paths it backs up still hold what they should",
  empty: () => 'the restic backup job saved no data: check the paths it backs up',
  unreadable: 'restic cannot read it; run restic check',
  none: (source) => `no snapshots${resticFilters(source)} in restic repository ${resticLocation(source)}`,
  noneHint: () => 'check that the restic backup job runs (its systemd timer or cron) and backs up to this repository',
};

/** Where the repository is, safe to print: a restic repository URL may carry a password (rest:https://user:pw@host/), never printed. */
export function resticLocation(source: ResticSourceConfig): string {
  return source.repo.replace(/(\/\/[^/:@]*):[^/@]*@/, '$1:***@');
}

function resticFilters(source: ResticSourceConfig): string {
  const filters = [
    source.snapshotHost ? `snapshotHost ${source.snapshotHost}` : '',
    source.snapshotPath ? `snapshotPath ${source.snapshotPath}` : '',
    source.snapshotTag ? `snapshotTag ${source.snapshotTag}` : '',
  ].filter(Boolean);
  return filters.length ? ` matching ${filters.join(', ')}` : '';
}
