// A barman source, here or on `host` over ssh: what Barman itself says of the server (show-server, list-backups,
// check, status; show-backup for each backup not read before), and its WAL listing (xlog.db) checked for
// continuity from the oldest DONE backup's first segment by the WAL library. Only DONE backups are backups the
// rules judge; FAILED, WAITING_FOR_WALS and those under way are kept in the metrics, where rules.ts reads them.
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { BarmanBackupState, BarmanMetrics, ObservedBackup, WalArchiveSummary } from '../../../../shared/model';
import { ProbeError, redact } from '../../errors';
import { majorOfVersionNum } from '../../postgres/version';
import { runTool } from '../../remote';
import { walContinuity } from '../../wal/continuity';
import { isValidSegmentSize } from '../../wal/names';
import { recoveryTarget } from '../../wal/timelines';
import type { Probe, ProbeContext } from '../probe';
import { runBarman, type BarmanCallOptions } from './barman-command';
import { parseBackupInfoFile, parseCheck, parseListBackups, parseShowBackup, parseShowServer, parseStatus, type BarmanBackupInfo, type BarmanCheck } from './barman-json';
import { continuityEntries, readXlogDb, type XlogDb } from './xlogdb';

/** show-backup of a backup in a final state (DONE, FAILED) does not change: read once per process. */
const details = new Map<string, BarmanBackupInfo>();
const MAX_CACHED = 10_000;
/** show-backup calls at once (each is an ssh handshake over ssh). */
const SHOW_BACKUP_CONCURRENCY = 4;
/** FAILED backups whose error is asked for and kept: the newest few. */
const FAILED_KEPT = 5;
const SEGMENT_NAME = /^[0-9A-F]{24}$/;
const UNDER_WAY = new Set(['EMPTY', 'STARTED', 'SYNCING']);

function cacheKey(source: BarmanSourceConfig, id: string): string {
  return `${source.id}\0${source.host ?? ''}\0${source.configPath ?? ''}\0${source.server}\0${id}`;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** show-backup for the backups that need it: DONE ones not read before, the newest few FAILED (their error). */
async function withDetails(source: BarmanSourceConfig, listed: readonly BarmanBackupInfo[], call: BarmanCallOptions): Promise<BarmanBackupInfo[]> {
  const failed = listed.filter((b) => b.status === 'FAILED').slice(0, FAILED_KEPT);
  const wanted = listed.filter((b) => (b.status === 'DONE' || failed.includes(b)) && !details.has(cacheKey(source, b.id)));
  await mapLimited(wanted, SHOW_BACKUP_CONCURRENCY, async (b) => {
    const detail = parseShowBackup(await runBarman(source, 'show-backup', [b.id], call), b, source.server, source.host);
    // A backup may have changed state between list-backups and show-backup: kept only when final.
    if (detail.status !== 'DONE' && detail.status !== 'FAILED') return;
    if (details.size >= MAX_CACHED) details.delete(details.keys().next().value!);
    details.set(cacheKey(source, b.id), detail);
  });
  return listed.map((b) => {
    const known = details.get(cacheKey(source, b.id));
    // list-backups' size_bytes holds the WAL too; show-backup's is the base backup's own.
    return known && known.status === b.status ? { ...b, ...known, retentionStatus: b.retentionStatus } : b;
  });
}

/** One DONE backup as the app records it; in meta what a drill and the WAL check need. */
export function observedBarmanBackup(backup: BarmanBackupInfo, segmentSize: number | null): ObservedBackup {
  const finishedAt = backup.endTime ?? backup.beginTime;
  return {
    key: backup.id,
    type: backup.backupType === 'incremental' ? 'incr' : 'base',
    startedAt: backup.beginTime,
    finishedAt: finishedAt ?? 0,
    sizeBytes: backup.sizeBytes ?? 0,
    readable: finishedAt !== null,
    problem: finishedAt === null ? 'Barman gives it no begin or end time (show-backup): its backup.info may be damaged' : null,
    meta: {
      backupName: backup.name,
      status: backup.status,
      backupType: backup.backupType,
      // "15" of 150018, as PG_VERSION says it.
      pgVersion: backup.postgresqlVersion === null ? null : String(majorOfVersionNum(backup.postgresqlVersion)),
      timeline: backup.timeline,
      startSegment: backup.beginWal,
      stopSegment: backup.endWal,
      startLsn: backup.beginLsn,
      stopLsn: backup.endLsn,
      walSegmentSize: segmentSize,
      walSizeBytes: backup.walSizeBytes,
      retentionStatus: backup.retentionStatus,
    },
  };
}

function state(backup: BarmanBackupInfo): BarmanBackupState {
  return { id: backup.id, status: backup.status, endedAt: backup.endTime, error: backup.error };
}

/** xlog_segment_size from a DONE backup's backup.info, when show-server could not ask PostgreSQL. */
async function segmentSizeFromBackupInfo(source: BarmanSourceConfig, basebackupsDirectory: string, id: string, call: BarmanCallOptions): Promise<number | null> {
  const path = posix.join(basebackupsDirectory, id, 'backup.info');
  let text: string;
  if (source.host) {
    const result = await runTool(source, 'head', ['-c', '65536', '--', path], { timeoutMs: call.timeoutMs, signal: call.signal });
    if (result.code !== 0) return null;
    text = result.stdout;
  } else {
    text = await readFile(path, 'utf8').catch(() => '');
  }
  const size = Number(parseBackupInfoFile(text).xlog_segment_size);
  return isValidSegmentSize(size) ? size : null;
}

function newestSegmentOf(xlog: XlogDb): { name: string; at: number } | null {
  let newest: { name: string; at: number } | null = null;
  for (const file of xlog.files) if (SEGMENT_NAME.test(file.name) && (!newest || file.archivedAt >= newest.at)) newest = { name: file.name, at: file.archivedAt };
  return newest;
}

export const barmanObserver: Pick<Probe<BarmanSourceConfig>, 'kind' | 'observe'> = {
  kind: 'barman',
  async observe(source, ctx: ProbeContext) {
    const call: BarmanCallOptions = { signal: ctx.signal, timeoutMs: ctx.timeoutMs };
    // Independent questions, asked at once: on a Barman host each is a Python start-up (and an ssh handshake).
    const [serverJson, listJson, checked, currentWal] = await Promise.all([
      runBarman(source, 'show-server', [], call),
      runBarman(source, 'list-backups', [], call),
      runBarman(source, 'check', [], call).then(
        (value) => ({ checks: parseCheck(value, source.server, source.host) as BarmanCheck[] | null, error: null as string | null }),
        (error: unknown) => {
          if (!(error instanceof ProbeError) || ctx.signal.aborted) throw error;
          return { checks: null, error: error.message };
        },
      ),
      // The server's own position (current_xlog), to say how far Barman's archive is behind it; only a figure.
      runBarman(source, 'status', [], call).then(
        (value) => {
          const wal = parseStatus(value, source.server, source.host).current_xlog;
          return wal && SEGMENT_NAME.test(wal) ? wal : null;
        },
        (error: unknown) => {
          if (!(error instanceof ProbeError) || ctx.signal.aborted) throw error;
          return null;
        },
      ),
    ]);
    const server = parseShowServer(serverJson, source.server, source.host);
    const listed = await withDetails(source, parseListBackups(listJson, source.server, source.host), call);

    const done = listed.filter((b) => b.status === 'DONE');
    let segmentSize = server.segmentSize;
    if (segmentSize === null && done[0]) segmentSize = await segmentSizeFromBackupInfo(source, server.basebackupsDirectory, done[0].id, call);

    let xlog: XlogDb | null = null;
    let walArchiveError: string | undefined;
    try {
      xlog = await readXlogDb({ walsDirectory: server.walsDirectory, host: source.host, sshOptions: source.sshOptions }, { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
    } catch (error) {
      if (!(error instanceof ProbeError) || ctx.signal.aborted) throw error;
      walArchiveError = error.message;
    }
    let walArchive: WalArchiveSummary | null = null;
    if (xlog && segmentSize === null) {
      walArchiveError = `the WAL segment size is not known: barman show-server ${source.server} has no xlog_segment_size (${server.connectionError ? `Barman cannot reach PostgreSQL: ${redact(server.connectionError)}` : 'PostgreSQL not reachable'}) and no DONE backup's backup.info says it`;
    }
    if (xlog && segmentSize !== null) {
      // From the oldest DONE backup's first segment: Barman drops WAL older than its oldest backup.
      const oldest = done.filter((b) => b.beginWal).sort((a, b) => a.beginWal!.slice(8).localeCompare(b.beginWal!.slice(8)))[0];
      walArchive = walContinuity({ listing: continuityEntries(xlog.files, segmentSize), segmentSize, startSegment: oldest?.beginWal ?? null, histories: xlog.histories, ...recoveryTarget(xlog.histories) });
    }

    const statusCounts: Record<string, number> = {};
    for (const b of listed) statusCounts[b.status] = (statusCounts[b.status] ?? 0) + 1;
    const newest = xlog ? newestSegmentOf(xlog) : null;
    const backups = done.map((b) => observedBarmanBackup(b, segmentSize));
    const metrics: BarmanMetrics = {
      kind: 'barman',
      backupCount: backups.length,
      statusCounts,
      newestBackup: listed[0] ? state(listed[0]) : null,
      waitingForWals: listed.filter((b) => b.status === 'WAITING_FOR_WALS').map(state),
      failedBackups: listed.filter((b) => b.status === 'FAILED').slice(0, FAILED_KEPT).map(state),
      inProgress: listed.filter((b) => UNDER_WAY.has(b.status)).length,
      backupBytes: backups.reduce((sum, b) => sum + b.sizeBytes, 0),
      archiveBytes: xlog ? xlog.files.reduce((sum, f) => sum + f.sizeBytes, 0) : 0,
      archiveFiles: xlog ? xlog.files.length : 0,
      newestSegment: walArchive?.newestSegment ?? newest?.name ?? null,
      newestSegmentAt: walArchive?.newestArchivedAt ?? newest?.at ?? null,
      walSegmentSize: segmentSize,
      serverCurrentWal: currentWal,
      streamingOnly: server.streamingArchiver && !server.archiver,
      checkFailures: checked.checks ? checked.checks.filter((c) => !c.ok).map(({ name, hint }) => ({ name, hint })) : null,
      ...(checked.error ? { checkError: checked.error } : {}),
      walArchive,
      ...(walArchiveError ? { walArchiveError } : {}),
      ...(xlog && xlog.historyProblems.length > 0 ? { walHistoryProblems: xlog.historyProblems.slice(0, 10) } : {}),
    };
    return { backups, metrics };
  },
};
