// A restic repository: every snapshot (matching the source's host/path/tag filters) is a backup. With `host`,
// restic runs on that machine over ssh (restic-command.ts) and `repo` is the path or URL as it sees it.
//
// Sizes. restic 0.14's `snapshots --json` carries no size (0.17+ adds summary.total_bytes_processed, used when
// present). The honest per-snapshot size is its restore size, `restic stats --json <id>`, which costs one
// restic run (key derivation plus a tree walk) per snapshot. Snapshots never change, so each is measured
// once and kept in memory by repository and id: newest first, several at once, within half the probe's
// time budget. The newest is always measured; an older snapshot not measured yet is left out of this poll
// (and counted in metrics.sizesPending) rather than reported with a made-up size, and appears on a later poll.
import type { ResticSourceConfig } from '../../../../shared/config';
import type { ObservedBackup, ResticMetrics } from '../../../../shared/model';
import type { Probe, ProbeContext } from '../probe';
import { ProbeError } from '../../errors';
import { ResticError, runRestic } from './restic-command';
import { attachResticDatabases } from './databases';

/** restic's snapshot as `snapshots --json` prints it (0.14; `summary` from 0.17). */
export interface ResticSnapshot {
  id: string;
  short_id?: string;
  time: string;
  hostname?: string;
  username?: string;
  paths?: string[];
  tags?: string[] | null;
  summary?: { backup_start?: string; backup_end?: string; total_bytes_processed?: number };
}

interface ResticStats {
  total_size: number;
  total_file_count: number;
  snapshots_count?: number;
}

/** restic runs measuring sizes at once. */
const SIZE_CONCURRENCY = 4;
/** Measured restore sizes by "host\0repo\0snapshot id"; snapshots are immutable, so an entry never goes stale. */
const restoreSizes = new Map<string, number>();

/** Observing a restic repository; index.ts adds the drill and the rest of the kind. */
export const resticObserver: Pick<Probe<ResticSourceConfig>, 'kind' | 'observe'> = {
  kind: 'restic',
  async observe(source, ctx) {
    const deadline = performance.now() + ctx.timeoutMs / 2;
    const [snapshots, raw] = await Promise.all([listSnapshots(source, ctx), repoStats(source, ctx, ['--mode', 'raw-data']).catch(unlessDamage)]);
    const newestFirst = [...snapshots].sort((a, b) => finishedAt(b) - finishedAt(a));
    const unreadable = new Map<string, string>();
    const sizes = await measureSizes(source, ctx, newestFirst, deadline, unreadable);
    const backups = newestFirst
      .filter((s) => sizes.has(s.id))
      .map((s) => toBackup(s, sizes.get(s.id)!, unreadable.get(s.id)))
      .sort((a, b) => a.finishedAt - b.finishedAt || (a.key < b.key ? -1 : 1));
    const newest = newestFirst[0];
    const metrics: ResticMetrics = {
      kind: 'restic',
      snapshotCount: snapshots.length,
      repoSizeBytes: raw?.total_size ?? null,
      restoreSizeBytes: newest ? (sizes.get(newest.id) ?? null) : null,
      sizesPending: snapshots.length - backups.length,
    };
    // Coverage: which databases the newest snapshots hold dumps of, until four fifths of the budget (sizes stop at half).
    if (source.database) await attachResticDatabases(source, backups, ctx.signal, deadline + ctx.timeoutMs * 0.3);
    return { backups, metrics };
  },
};

export function snapshotFilters(source: ResticSourceConfig): string[] {
  return [
    ...(source.snapshotHost ? ['--host', source.snapshotHost] : []),
    ...(source.snapshotPath ? ['--path', source.snapshotPath] : []),
    ...(source.snapshotTag ? ['--tag', source.snapshotTag] : []),
  ];
}

async function listSnapshots(source: ResticSourceConfig, ctx: ProbeContext): Promise<ResticSnapshot[]> {
  const result = await runRestic(source, ['snapshots', '--json', ...snapshotFilters(source)], { noLock: true, timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  const parsed = parseJson(result.stdout, 'snapshots');
  if (!Array.isArray(parsed) || !parsed.every(isSnapshot)) throw new ProbeError('failed', 'restic snapshots --json printed something that is not a list of snapshots');
  return parsed;
}

/** `restic stats --json [args]`; restore-size mode unless args say otherwise. */
export async function repoStats(source: ResticSourceConfig, ctx: Pick<ProbeContext, 'signal' | 'timeoutMs'>, args: string[]): Promise<ResticStats> {
  const result = await runRestic(source, ['stats', '--json', ...args], { noLock: true, timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  const parsed = parseJson(result.stdout, 'stats') as Partial<ResticStats> | null;
  if (typeof parsed?.total_size !== 'number') throw new ProbeError('failed', 'restic stats --json printed no total_size');
  return { total_size: parsed.total_size, total_file_count: parsed.total_file_count ?? 0, snapshots_count: parsed.snapshots_count };
}

/** Sizes by snapshot id: from the snapshot's summary, the cache, or a measurement (newest first, to the deadline). */
async function measureSizes(
  source: ResticSourceConfig,
  ctx: ProbeContext,
  newestFirst: ResticSnapshot[],
  deadline: number,
  unreadable: Map<string, string>,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const toMeasure: ResticSnapshot[] = [];
  for (const s of newestFirst) {
    const known = s.summary?.total_bytes_processed ?? restoreSizes.get(cacheKey(source, s.id));
    if (known !== undefined) sizes.set(s.id, known);
    else toMeasure.push(s);
  }
  let next = 0;
  const worker = async () => {
    while (next < toMeasure.length) {
      const index = next++;
      // The newest is always measured: the age and size rules judge it. Older ones only while time is left.
      if (index > 0 && performance.now() > deadline) return;
      ctx.signal.throwIfAborted();
      const snapshot = toMeasure[index]!;
      try {
        const stats = await repoStats(source, ctx, [snapshot.id]);
        restoreSizes.set(cacheKey(source, snapshot.id), stats.total_size);
        sizes.set(snapshot.id, stats.total_size);
      } catch (err) {
        // restic could open the repository but not walk this snapshot's trees: the snapshot is damaged.
        if (!(err instanceof ResticError && err.damage)) throw err;
        sizes.set(snapshot.id, 0);
        unreadable.set(snapshot.id, `restic cannot read this snapshot: ${err.message.replace(/^restic stats exited with code \d+: /, '')}; run restic check`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIZE_CONCURRENCY, toMeasure.length) }, worker));
  return sizes;
}

/** A damaged snapshot makes restic stats fail for the whole repository: its own measurement says which one. */
function unlessDamage(err: unknown): null {
  if (err instanceof ResticError && err.damage) return null;
  throw err;
}

function cacheKey(source: ResticSourceConfig, id: string): string {
  // The same path on two hosts is two repositories.
  return `${source.host ?? ''}\0${source.repo}\0${id}`;
}

function toBackup(s: ResticSnapshot, sizeBytes: number, problem: string | undefined): ObservedBackup {
  const started = Date.parse(s.summary?.backup_start ?? s.time);
  return {
    key: s.id,
    type: 'snapshot',
    startedAt: Number.isFinite(started) ? started : null,
    finishedAt: finishedAt(s),
    sizeBytes,
    readable: problem === undefined,
    ...(problem ? { problem } : {}),
    meta: { hostname: s.hostname ?? null, paths: s.paths ?? [], tags: s.tags ?? [] },
  };
}

/** restic's `time` is when the backup started; only 0.17+ records when it ended. */
function finishedAt(s: ResticSnapshot): number {
  const end = s.summary?.backup_end ? Date.parse(s.summary.backup_end) : NaN;
  return Number.isFinite(end) ? end : Date.parse(s.time);
}

function isSnapshot(value: unknown): value is ResticSnapshot {
  const s = value as Partial<ResticSnapshot> | null;
  return typeof s?.id === 'string' && typeof s.time === 'string' && Number.isFinite(Date.parse(s.time));
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProbeError('failed', `restic ${what} --json printed no JSON: is this restic 0.14 or newer?`);
  }
}
