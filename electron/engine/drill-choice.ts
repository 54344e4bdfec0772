// Which backup a drill restores, decided before anything starts. Pure: the engine passes the backups it knows.
//
// A source whose backups are all unreadable (zero bytes, garbage, a cut header) gets a FAILED drill, recorded
// like any other: the question a drill answers is "would a restore of this source work today?", and the answer
// is no. That is the GitLab failure (dumps of a few bytes) and must turn the source critical, not vanish as an
// error nobody records. A source with no backups at all stays a request error (exit 3, nothing recorded):
// there is no backup to judge, the backup-age rule already says "no backups" at every poll, and a failed drill
// would keep the source critical for a whole drill interval after its first good backup appears.
import { dumpDirPlace, type SourceConfig } from '../../shared/config';
import type { Drill, ObservedBackup, Poll } from '../../shared/model';
import { byNewest } from '../../shared/newest-backup';
import { drillWithoutRestore } from './drills/drill-stop';
import { stillBeingWritten } from './health/rules';

/** A drill that cannot even be attempted: unknown source, a kind without drills, no such backup, no backups yet. */
export class DrillRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillRequestError';
  }
}

export type DrillChoice = { backup: ObservedBackup } | { noneRestores: Drill };

/** The source and its latest poll: why there is nothing to drill, when there is not. */
export interface LatestLook {
  source: SourceConfig;
  poll: Poll | null;
}

/**
 * The newest readable backup (shared/newest-backup.ts), or the one asked for by key: a path, or just its file
 * name, and when several stored versions carry that key, the newest of them. When every backup is unreadable,
 * the failed drill to record.
 */
export function chooseDrillBackup(sourceId: string, backups: readonly ObservedBackup[], at: number, backupKey?: string, latest?: LatestLook): DrillChoice {
  const known = byNewest(backups);
  if (backupKey !== undefined) {
    // A backup named on purpose is drilled as it is: an unreadable one fails in its kind's own drill.
    const named = known.find((b) => b.key === backupKey) ?? known.find((b) => b.key.endsWith(`/${backupKey}`));
    if (named) return { backup: named };
    const some = known.slice(0, 5).map((b) => b.key).join(', ');
    throw new DrillRequestError(`${sourceId} has no backup "${backupKey}"${some ? ` (newest: ${some})` : ''}`);
  }
  const newest = known.find((b) => b.readable);
  if (newest) return { backup: newest };
  if (known.length === 0) throw new DrillRequestError(`${sourceId} has no backups to restore yet${latest ? whyNone(latest) : ''}`);
  return { noneRestores: noReadableBackupDrill(sourceId, known, at) };
}

/** What the latest poll saw instead of a backup, with what to do about it. */
function whyNone({ source, poll }: LatestLook): string {
  if (!poll) return ': it has not been polled; run backup-health check first';
  if (!poll.ok) return `: the poll of it failed (${poll.error?.message ?? 'no reason given'}); fix that, then drill again`;
  if (source.kind === 'dump-dir') {
    const settling = poll.metrics?.kind === 'dump-dir' ? poll.metrics.inProgress : 0;
    if (settling > 0) return `: ${stillBeingWritten(source, settling)}; drill again once ${settling === 1 ? 'it has' : 'they have'} been unchanged for that long (settle), or lower settle if ${settling === 1 ? 'it is' : 'they are'} complete`;
    return `: no ${source.url ? 'object' : 'file'} matching "${source.pattern}" in ${dumpDirPlace(source)}`;
  }
  return '';
}

function noReadableBackupDrill(sourceId: string, known: readonly ObservedBackup[], at: number): Drill {
  const newest = known[0]!;
  const why = newest.problem ? `: ${newest.problem}` : '';
  const all = known.length === 1 ? `its only backup, ${newest.key}, is unreadable${why}` : `all ${known.length} backups are unreadable; the newest, ${newest.key}${why || ', has no reason recorded'}`;
  return drillWithoutRestore({ sourceId, backupKey: newest.key, startedAt: at, finishedAt: at, outcome: 'fail', message: `no backup of ${sourceId} restores: ${all}` });
}
