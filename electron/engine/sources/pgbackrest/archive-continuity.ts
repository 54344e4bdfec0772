// WAL continuity of a pgBackRest stanza: one `pgbackrest repo-ls --recurse --output=json` of the stanza's
// archive (any repository type, here or over ssh like its other calls), its .history files read with
// `repo-get`, and walContinuity from the oldest backup's archive start (wal/continuity.ts).
//
// pgBackRest keeps segments as archive/<stanza>/<archive id>/<first 16 hex>/<segment>-<sha1>[.gz|.lz4|.zst|.bz2]
// and .history files at the top of the archive id's directory. Its info does not state wal_segment_size, so
// it is read from the backups themselves: a backup's start location ("0/2000028") and the segment named as
// its archive start agree for one segment size only.
import type { PgBackRestSourceConfig } from '../../../../shared/config';
import type { WalArchiveSummary } from '../../../../shared/model';
import { ProbeError } from '../../errors';
import { runTool } from '../../remote';
import { walContinuity, type WalArchiveEntry } from '../../wal/continuity';
import { MAX_WAL_SEGMENT_SIZE, MIN_WAL_SEGMENT_SIZE, parseLsn, parseWalFileName, segmentNameOfLsn } from '../../wal/names';
import { parseTimelineHistory, recoveryTarget, type TimelineHistory } from '../../wal/timelines';
import { PGBACKREST, onHost, pgbackrestError, pgbackrestOptions, type PgBackRestBackupInfo, type PgBackRestLocation, type PgBackRestStanzaInfo } from './pgbackrest-command';

/** repo-ls JSON of 1,000,000 segments is ~150 MB; past that, something else is in the archive. */
const MAX_LISTING_BYTES = 256 * 1024 * 1024;
const MAX_HISTORY_BYTES = 64 * 1024;

/** What a poll keeps: the summary, or why there is none. */
export interface ArchiveContinuity {
  walArchive: WalArchiveSummary | null;
  walArchiveError?: string;
}

/** One entry of `repo-ls --output=json` (release 2.45 src/command/repo/ls.c). */
interface RepoLsEntry {
  type?: string;
  size?: number;
  /** Modification time, epoch seconds. */
  time?: number;
}

/**
 * The stanza's archive checked from its oldest backup's start. Never throws for what the archive holds;
 * a listing that fails is said in walArchiveError (the poll's other findings still count).
 */
export async function archiveContinuity(source: PgBackRestLocation & Pick<PgBackRestSourceConfig, 'configPath'>, stanza: PgBackRestStanzaInfo, signal: AbortSignal, timeoutMs: number): Promise<ArchiveContinuity> {
  const chosen = archiveToCheck(stanza, source.repo);
  if (chosen === null) return { walArchive: null };
  if ('missing' in chosen) return { walArchive: null, walArchiveError: `pgbackrest info shows no WAL archive for stanza ${source.stanza} in repository ${chosen.missing}` };
  const { repoKey, archive, backups: inRepo } = chosen;
  const oldest = inRepo[0]!;
  const segmentSize = segmentSizeOf(inRepo);
  if (segmentSize === null) {
    return { walArchive: null, walArchiveError: `cannot tell the WAL segment size of stanza ${source.stanza}: pgbackrest info shows no backup start location (lsn) that matches its archive start` };
  }
  try {
    const path = `archive/${source.stanza}/${archive.id}`;
    const listing = await listArchive(source, repoKey, path, signal, timeoutMs);
    const histories = await readHistories(source, repoKey, path, listing.historyNames, signal, timeoutMs);
    // The timeline a restore to the latest point follows (recovery_target_timeline = 'latest', pgBackRest's
    // default --target-timeline from PostgreSQL 12 on): the highest with a .history file.
    const walArchive = walContinuity({ listing: listing.entries, segmentSize, startSegment: oldest.archive!.start!, histories, ...recoveryTarget(histories) });
    return { walArchive };
  } catch (error) {
    if (signal.aborted) throw error;
    if (error instanceof ProbeError) return { walArchive: null, walArchiveError: error.message };
    throw error;
  }
}

/**
 * Which archive to check and from which backups: the source's repository (or the one holding the newest
 * backup), its current database's archive, and the usable backups of that database there, oldest first.
 * After a major upgrade (stanza-upgrade) backups of the old database replay the old archive, so only the
 * current database's count. Null when there is no usable backup; `missing` names a repository without archive.
 */
export function archiveToCheck(
  stanza: PgBackRestStanzaInfo,
  repo: number | undefined,
): { repoKey: number; archive: { id: string; databaseId: number | null }; backups: PgBackRestBackupInfo[] } | { missing: number } | null {
  const usable = (stanza.backup ?? []).filter((b) => b.error !== true && b.archive?.start);
  if (usable.length === 0) return null;
  const repoKey = repo ?? usable.at(-1)!.database?.['repo-key'] ?? 1;
  const archive = archiveOf(stanza, repoKey);
  if (archive === null) return { missing: repoKey };
  const backups = usable.filter((b) => (b.database?.['repo-key'] ?? 1) === repoKey && (archive.databaseId === null || b.database?.id === undefined || b.database.id === archive.databaseId));
  return backups.length === 0 ? null : { repoKey, archive, backups };
}

/**
 * wal_segment_size as the backups show it: the size for which every backup's start location lies in the
 * segment its archive start names. Null when no backup tells (no lsn in info, or all starts under 1 MB).
 */
export function segmentSizeOf(backups: readonly PgBackRestBackupInfo[]): number | null {
  const candidates: number[] = [];
  for (let size = MIN_WAL_SEGMENT_SIZE; size <= MAX_WAL_SEGMENT_SIZE; size *= 2) candidates.push(size);
  let told = false;
  let fitting = candidates;
  for (const b of backups) {
    const lsn = b.lsn?.start ? parseLsn(b.lsn.start) : null;
    const start = b.archive?.start;
    if (lsn === null || !start) continue;
    const timeline = parseWalFileName(start, MIN_WAL_SEGMENT_SIZE)?.timeline ?? parseWalFileName(start, MAX_WAL_SEGMENT_SIZE)?.timeline;
    if (timeline === undefined) continue;
    told = true;
    fitting = fitting.filter((size) => segmentNameOfLsn(timeline, lsn, size) === start);
  }
  return told && fitting.length === 1 ? fitting[0]! : null;
}

/** The archive (id e.g. "15-1", and its database id) of the stanza's current database in that repository. */
function archiveOf(stanza: PgBackRestStanzaInfo, repoKey: number): { id: string; databaseId: number | null } | null {
  const archives = (stanza.archive ?? []).filter((a) => (a.database?.['repo-key'] ?? 1) === repoKey);
  const newest = archives.sort((a, b) => (a.database?.id ?? 0) - (b.database?.id ?? 0)).at(-1);
  return newest ? { id: newest.id, databaseId: newest.database?.id ?? null } : null;
}

async function listArchive(source: PgBackRestLocation & Pick<PgBackRestSourceConfig, 'configPath'>, repoKey: number, path: string, signal: AbortSignal, timeoutMs: number): Promise<{ entries: WalArchiveEntry[]; historyNames: string[] }> {
  const result = await runTool(source, PGBACKREST, [...pgbackrestOptions(source, repoKey), 'repo-ls', path, '--recurse', '--output=json', '--sort=none'], { timeoutMs, signal, maxOutputBytes: MAX_LISTING_BYTES });
  if (result.code !== 0 || result.spawnError || result.timedOut || result.aborted) throw pgbackrestError(result, source, 'repo-ls');
  if (result.truncated) throw new ProbeError('failed', `pgbackrest repo-ls ${path}${onHost(source.host)} printed more than ${MAX_LISTING_BYTES / 1024 / 1024} MB`, source.host);
  let parsed: Record<string, RepoLsEntry>;
  try {
    parsed = JSON.parse(result.stdout) as Record<string, RepoLsEntry>;
  } catch {
    throw new ProbeError('failed', `pgbackrest repo-ls ${path}${onHost(source.host)} did not print JSON (got ${JSON.stringify(result.stdout.slice(0, 80))})`, source.host);
  }
  const entries: WalArchiveEntry[] = [];
  const historyNames: string[] = [];
  for (const key in parsed) {
    const entry = parsed[key]!;
    if (entry.type !== 'file') continue;
    const name = key.slice(key.lastIndexOf('/') + 1);
    entries.push({ name, sizeBytes: entry.size ?? 0, mtimeMs: (entry.time ?? 0) * 1000 });
    if (name.endsWith('.history')) historyNames.push(key);
  }
  return { entries, historyNames };
}

/**
 * Each .history file, read with repo-get (which decrypts; pgBackRest keeps them uncompressed). One that cannot
 * be read is left out: the summary then says the followed timeline's history is missing.
 */
async function readHistories(source: PgBackRestLocation & Pick<PgBackRestSourceConfig, 'configPath'>, repoKey: number, path: string, keys: readonly string[], signal: AbortSignal, timeoutMs: number): Promise<TimelineHistory[]> {
  const histories: TimelineHistory[] = [];
  for (const key of keys) {
    const name = key.slice(key.lastIndexOf('/') + 1);
    const file = parseWalFileName(name, MIN_WAL_SEGMENT_SIZE);
    if (file?.kind !== 'timeline-history' || file.compression !== null) continue;
    const result = await runTool(source, PGBACKREST, [...pgbackrestOptions(source, repoKey), 'repo-get', `${path}/${key}`], { timeoutMs, signal, maxOutputBytes: MAX_HISTORY_BYTES });
    if (result.code !== 0 || result.truncated) continue;
    const parsed = parseTimelineHistory(file.timeline, result.stdout, `${name} in the pgBackRest archive`);
    if (parsed.ok) histories.push(parsed.history);
  }
  return histories;
}
