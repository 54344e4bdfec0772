// One replay engine for every kind that keeps WAL (pgBackRest and base backups now, Barman later). A kind puts
// the backup's files in the scratch data directory and the WAL it wants replayed in <cluster.dir>/wal (outside
// the sandbox, with its own tools); from there this is the same for all of them:
//
//   settings  the drill's own: a restore_command that only copies from <cluster.dir>/wal (inside the sandbox it
//             can reach nothing else), nothing archived, no standby connection; `end-of-archive` replays every
//             segment there on the latest timeline, `backup-end` stops where the backup is consistent
//   replay    the server starts in archive recovery; its log says each segment it restored, which is the
//             progress shown; when the next segment is not there, recovery ends and the server promotes
//   reached   what came back (pg_last_wal_replay_lsn, pg_last_xact_replay_timestamp, the timeline replayed)
//             and the recovery point that proves (recoveryPoint(), defined once here)
import { accessSync, chownSync, closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrillRecovery } from '../../../shared/model';
import type { DrillFrame } from './drill-frame';
import { drillError } from './drill-stop';
import { drillEnv } from './sandbox';
import { shellQuote } from '../remote';
import type { ScratchCluster } from './scratch-cluster';
import { connectScratch, closeQuietly } from './scratch-client';
import { formatLsn, parseLsn, segmentName, segmentOfLsn, timelineHistoryName } from '../wal/names';
import { parseTimelineHistory, timelineChain, timelineOfSegment, type TimelineSwitch } from '../wal/timelines';

export type RecoveryMode = DrillRecovery['mode'];

/** The WAL a kind fetched into the drill's directory for the replay. */
export interface FetchedWal {
  /** <cluster.dir>/wal: the only place restore_command copies from. */
  dir: string;
  /** Segments fetched (not counting .history files). */
  segments: number;
  /** Archive time (ms) of each fetched segment, by its 24-character name, where the archive says. */
  archivedAt: ReadonlyMap<string, number>;
  /** The backup's wal_segment_size in bytes, when the kind knows it (else read from the restored pg_control). */
  segmentSizeBytes?: number;
  /** Some files are compressed as archive_command wrote them (name.gz, .zst, .lz4, .bz2, .xz). */
  compressed?: boolean;
  /** The newest segment fetched (on the newest timeline): a replay that stops before it met a gap. */
  newestSegment?: string | null;
}

/** The newest of these segment names: the furthest position, on the highest timeline there (FetchedWal.newestSegment). */
export function newestSegmentOf(names: Iterable<string>): string | null {
  let newest: string | null = null;
  for (const name of names) if (newest === null || name.slice(8) > newest.slice(8) || (name.slice(8) === newest.slice(8) && name > newest)) newest = name;
  return newest;
}

/** What restore_command runs to decompress each compression, inside the sandbox. */
const DECOMPRESSORS: readonly [string, string][] = [
  ['gz', 'gzip -dc'],
  ['zst', 'zstd -dcq'],
  ['lz4', 'lz4 -dcq'],
  ['bz2', 'bzip2 -dc'],
  ['xz', 'xz -dc'],
];

/** Where restore_command finds its decompressor: the drill's PATH (drillEnv), which the sandbox keeps visible (it binds /usr). */
const DRILL_PATH = drillEnv('/').PATH!.split(':');
/** The Debian/Ubuntu package of each decompressor, where it is not the tool's own name. */
const PACKAGES: Readonly<Record<string, string>> = { xz: 'xz-utils' };

/**
 * Throws a drill error naming the decompressor restore_command would need for a file in `wal.dir` that is not
 * installed (in `path`, the drill's PATH): without it the pipe would hand PostgreSQL an empty segment, which it
 * refuses as cut short, blaming the archive for the machine's missing tool.
 */
export function checkDecompressors(wal: Pick<FetchedWal, 'dir' | 'compressed'>, path: readonly string[] = DRILL_PATH): void {
  if (!wal.compressed) return;
  const names = readdirSync(wal.dir);
  for (const [ext, command] of DECOMPRESSORS) {
    const tool = command.split(' ')[0]!;
    const example = names.find((name) => name.endsWith(`.${ext}`));
    if (!example || path.some((dir) => isExecutable(join(dir, tool)))) continue;
    throw drillError(`the WAL archive holds segments compressed with ${tool} (${example}), and ${tool} is not installed on this machine (not in ${path.join(', ')}): install ${PACKAGES[tool] ?? tool} so the drill can replay them`);
  }
}

/** The decompressors restore_command will run for the files in `dir` (gzip, zstd, lz4, bzip2, xz), for the drill's evidence. */
export function walDecompressorsIn(dir: string): string[] {
  const names = readdirSync(dir);
  return DECOMPRESSORS.filter(([ext]) => names.some((name) => name.endsWith(`.${ext}`))).map(([, command]) => command.split(' ')[0]!);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * restore_command: copy <dir>/%f, or decompress <dir>/%f.<ext>, writing never more than one byte past the
 * segment size (a file that decompresses to more, or to less, has the wrong size, which PostgreSQL refuses and
 * the drill names). It runs inside the sandbox, so a decompressor fed hostile bytes reaches nothing.
 */
export function restoreCommand(dir: string, wal: Pick<FetchedWal, 'compressed' | 'segmentSizeBytes'>): string {
  const from = shellQuote([dir]);
  if (!wal.compressed) return `cp ${from}/%f "%p"`;
  const cap = (wal.segmentSizeBytes ?? 1024 * 1024 * 1024) + 1;
  const branches = DECOMPRESSORS.map(([ext, tool]) => `elif [ -f ${from}/%f.${ext} ]; then ${tool} ${from}/%f.${ext} | head -c ${cap} > "%p"`).join('; ');
  return `if [ -f ${from}/%f ]; then cp ${from}/%f "%p"; ${branches}; else exit 1; fi`;
}

/** The drill directory's WAL folder, made for the cluster's user. */
export function walDirOf(cluster: ScratchCluster): string {
  return join(cluster.dir, 'wal');
}

/**
 * The restored cluster's recovery settings, on the command line over the drill's own empty postgresql.conf (the
 * backup's postgresql.conf, postgresql.auto.conf and recovery settings are never read), and its
 * recovery.signal. Memory is sized for a drill.
 */
export function replaySettings(cluster: ScratchCluster, mode: RecoveryMode, wal: Pick<FetchedWal, 'compressed' | 'segmentSizeBytes'> = {}): Record<string, string> {
  const signal = join(cluster.dataDir, 'recovery.signal');
  if (!existsSync(signal)) {
    writeFileSync(signal, '', { mode: 0o600 });
    if (cluster.owner) chownSync(signal, cluster.owner.uid, cluster.owner.gid);
  }
  // A standby.signal from the backup would keep the server waiting for WAL forever instead of ending recovery.
  rmSync(join(cluster.dataDir, 'standby.signal'), { force: true });
  return {
    archive_mode: 'off',
    restore_command: restoreCommand(walDirOf(cluster), wal),
    hot_standby: 'off',
    shared_buffers: '128MB',
    recovery_target_timeline: 'latest',
    ...(mode === 'backup-end' ? { recovery_target: 'immediate', recovery_target_action: 'promote' } : {}),
  };
}

const RESTORED = /restored log file "([0-9A-F]{24})" from archive/g;

/**
 * Follows the server log while it recovers: each segment restore_command restored is progress (`done` of the
 * segments fetched). stop() returns how many it saw.
 */
export function watchReplay(cluster: ScratchCluster, frame: Pick<DrillFrame, 'progress'>, total: number): { stop(): number } {
  let offset = 0;
  let partial = '';
  let restored = 0;
  let last = '';
  const read = () => {
    let fd: number;
    try {
      fd = openSync(cluster.logFile, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= offset) return;
      const buffer = Buffer.alloc(Math.min(size - offset, 4 * 1024 * 1024));
      const got = readSync(fd, buffer, 0, buffer.length, offset);
      offset += got;
      const text = partial + buffer.subarray(0, got).toString('utf8');
      const cut = text.lastIndexOf('\n');
      partial = cut < 0 ? text : text.slice(cut + 1);
      for (const match of (cut < 0 ? '' : text.slice(0, cut)).matchAll(RESTORED)) {
        restored++;
        last = match[1]!;
      }
    } finally {
      closeSync(fd);
    }
    if (last) frame.progress(Math.min(restored, total), Math.max(total, restored), { detail: `replayed WAL segment ${last}` });
  };
  const timer = setInterval(read, 250);
  return {
    stop() {
      clearInterval(timer);
      read();
      return restored;
    },
  };
}

/**
 * wal_segment_size of the restored data directory, from its pg_control (pg_controldata, run in the drill's jail:
 * it reads the backup's file).
 */
export async function readSegmentSize(cluster: ScratchCluster): Promise<number | null> {
  if (!cluster.jail) return null;
  const result = await cluster.jail.run(cluster.tool('pg_controldata'), [cluster.dataDir], { timeoutMs: 30_000 });
  const size = /^Bytes per WAL segment:\s+(\d+)$/m.exec(result.stdout)?.[1];
  return size ? Number(size) : null;
}

/** What the server says it replayed, read once it has promoted. */
export interface Replayed {
  lastReplayedLsn: string | null;
  lastCommitAt: number | null;
  /** The timeline recovery replayed last (the one the promotion branched from). */
  timeline: number | null;
  /** That timeline's ancestors with their switch points (from the new timeline's history file). */
  ancestors?: TimelineSwitch[];
}

/** pg_last_wal_replay_lsn() and pg_last_xact_replay_timestamp() stay at what recovery reached after it ends. */
export async function readReplayed(cluster: ScratchCluster): Promise<Replayed> {
  const client = await connectScratch(cluster, 'template1');
  try {
    const { rows } = await client.query<{ lsn: string | null; at: Date | null; tli: number | null; prev: number | null }>(
      'SELECT pg_catalog.pg_last_wal_replay_lsn()::pg_catalog.text AS lsn, pg_catalog.pg_last_xact_replay_timestamp() AS at, timeline_id AS tli, prev_timeline_id AS prev FROM pg_catalog.pg_control_checkpoint()',
    );
    const row = rows[0];
    const lineage = replayedLineage(cluster, row?.tli ?? null);
    return { lastReplayedLsn: row?.lsn ?? null, lastCommitAt: row?.at ? row.at.getTime() : null, timeline: lineage?.timeline ?? row?.prev ?? null, ancestors: lineage?.ancestors ?? [] };
  } finally {
    await closeQuietly(client);
  }
}

/**
 * The timeline the replay ran on and its ancestors: the promotion wrote the new timeline's history file into
 * pg_wal, whose last line names the timeline recovery was on and the lines before it that timeline's own
 * ancestry. Without the file (recovery ended without a switch), the current timeline alone.
 */
function replayedLineage(cluster: ScratchCluster, current: number | null): { timeline: number; ancestors: TimelineSwitch[] } | null {
  if (current === null) return null;
  let text: string;
  try {
    text = readFileSync(join(cluster.dataDir, 'pg_wal', timelineHistoryName(current)), 'utf8');
  } catch {
    return { timeline: current, ancestors: [] };
  }
  const parsed = parseTimelineHistory(current, text);
  const switches = parsed.ok ? parsed.history.switches : [];
  const last = switches.at(-1);
  return last ? { timeline: last.parent, ancestors: switches.slice(0, -1) } : { timeline: current, ancestors: [] };
}

/** The linked server's WAL position when the drill started (pg_current_wal_lsn, or what a standby received). */
export interface ServerPosition {
  lsn: string;
  at: number;
}

/**
 * The recovery point, defined once: recoveredTo is the later of the last replayed commit's time and the archive
 * time of the newest segment replayed (everything committed before that segment was closed is in it or earlier);
 * recoveryPointMs is the drill's start minus recoveredTo, but 0 when the server's position at the drill's start
 * lies within what was replayed (nothing newer was written: an idle database).
 */
export function recoveryPoint(input: {
  mode: RecoveryMode;
  drillStartedAt: number;
  replayed: Replayed;
  wal: Pick<FetchedWal, 'archivedAt'> & { segmentSizeBytes: number };
  walReplayed: number;
  replayMs: number | null;
  server?: ServerPosition | null;
}): DrillRecovery {
  const { replayed, wal } = input;
  const lsn = replayed.lastReplayedLsn ? parseLsn(replayed.lastReplayedLsn) : null;
  if (!wal.segmentSizeBytes) throw new Error('the segment size must be known before the recovery point is');
  const segment = lsn !== null && replayed.timeline !== null ? segmentHolding(replayed, lsn, wal.segmentSizeBytes) : null;
  const lastSegmentArchivedAt = segment ? (wal.archivedAt.get(segment) ?? newestArchivedUpTo(wal.archivedAt, segment)) : null;
  const candidates = [replayed.lastCommitAt, lastSegmentArchivedAt].filter((t): t is number => t !== null);
  const recoveredTo = candidates.length ? Math.max(...candidates) : null;
  const serverLsn = input.server ? parseLsn(input.server.lsn) : null;
  const idle = serverLsn !== null && lsn !== null && (serverLsn <= lsn || sameSegment(serverLsn - 1n, lsn, wal.segmentSizeBytes));
  const behindServerBytes = serverLsn !== null && lsn !== null ? Number(serverLsn > lsn ? serverLsn - lsn : 0n) : null;
  const recoveryPointMs = idle ? 0 : recoveredTo === null ? null : Math.max(0, input.drillStartedAt - recoveredTo);
  return {
    mode: input.mode,
    recoveredTo,
    lastCommitAt: replayed.lastCommitAt,
    lastReplayedLsn: lsn === null ? null : formatLsn(lsn),
    lastReplayedSegment: segment,
    lastSegmentArchivedAt,
    recoveryPointMs,
    ...(serverLsn !== null ? { idle, behindServerBytes } : {}),
    walReplayed: input.walReplayed,
    replayMs: input.replayMs,
  };
}

/**
 * The segment holding the last replayed record. pg_last_wal_replay_lsn() is the end of that record: exactly on
 * a segment boundary (after a segment switch) the record lies in the segment before.
 */
function segmentHolding(replayed: Replayed, endLsn: bigint, segmentSizeBytes: number): string {
  const size = BigInt(segmentSizeBytes);
  const inside = endLsn > 0n && endLsn % size === 0n ? endLsn - 1n : endLsn;
  const segment = segmentOfLsn(inside, segmentSizeBytes);
  return segmentName(replayedTimelineOf(replayed, segment, segmentSizeBytes), segment, segmentSizeBytes);
}

/** The timeline whose file recovery read (or would read) for a segment, on the replayed timeline's chain. */
export function replayedTimelineOf(replayed: Pick<Replayed, 'timeline' | 'ancestors'>, segment: number, segmentSizeBytes: number): number {
  const timeline = replayed.timeline ?? 1;
  const chain = timelineChain(timeline, [{ timeline, switches: replayed.ancestors ?? [] }], segmentSizeBytes);
  return timelineOfSegment(chain, segment);
}

function sameSegment(a: bigint, b: bigint, segmentSizeBytes: number): boolean {
  const size = BigInt(segmentSizeBytes);
  const inside = (x: bigint) => (x > 0n && x % size === 0n ? x - 1n : x);
  return a >= 0n && inside(a) / size === inside(b) / size;
}

/** When the segment is not in the map under its own timeline (a name from a history): the newest at or before it. */
function newestArchivedUpTo(archivedAt: ReadonlyMap<string, number>, segment: string): number | null {
  let best: number | null = null;
  const position = segment.slice(8);
  for (const [name, at] of archivedAt) if (name.slice(8) <= position && (best === null || at > best)) best = at;
  return best;
}
