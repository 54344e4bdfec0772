// A basebackup source, here or on `host` over ssh: `path` holds one directory per pg_basebackup run, and
// `walArchive` is where archive_command copies WAL. Each run is a backup (read-backup.ts); the archive's
// <segment>.<offset>.backup history files say where and when each stopped; the archive itself is checked for
// continuity from the oldest backup's start (electron/engine/wal/). What was read of a backup that has not
// changed since is kept between polls, so a poll of a large backup set reads only what is new.
import { join } from 'node:path';
import type { BaseBackupSourceConfig } from '../../../../shared/config';
import type { BaseBackupMetrics, ObservedBackup, WalArchiveSummary } from '../../../../shared/model';
import { walContinuity, type WalArchiveEntry } from '../../wal/continuity';
import { recoveryTarget } from '../../wal/timelines';
import { isValidSegmentSize, parseWalFileName, parseLsn, segmentNameOfLsn } from '../../wal/names';
import type { WalArchiveListing } from '../../wal/archive-listing';
import type { Probe, ProbeContext } from '../probe';
import { parseBackupHistory, type BackupHistory } from './backup-label';
import { archivedTexts } from './archived-text';
import { zstdContentSize } from './decompress';
import { filesFor, type Entry, type SourceFiles } from './files';
import { readBaseBackups, UNREADABLE_HINT, type BaseBackupReading } from './read-backup';

/** What was read of each backup directory, by source and directory, with the listing it was read from. */
const readings = new Map<string, { signature: string; reading: BaseBackupReading | null }>();
const MAX_CACHED = 10_000;
/** How long a run without its end (manifest, .backup file) counts as still being written. */
const IN_PROGRESS_LIMIT_MS = 24 * 3_600_000;
/** The segment size an archive's compressed segments showed, by archive: it cannot change without a new initdb. */
const compressedSegmentSizes = new Map<string, number>();
const SEGMENT_NAME = /^[0-9A-F]{24}$/;

function signature(entries: readonly Entry[]): string {
  return entries
    .map((e) => `${e.name}\t${e.type}\t${e.size}\t${e.mtimeMs}`)
    .sort()
    .join('\n');
}

/**
 * wal_segment_size: from a segment a backup holds, else an uncompressed archived segment, else what a compressed
 * one's own format says of its size (gzip's trailer, a zstd frame's header). Never assumed.
 */
async function segmentSizeOf(backups: readonly BaseBackupReading[], listing: readonly WalArchiveEntry[], files: SourceFiles, walArchive: string): Promise<number | null> {
  const fromBackup = backups.find((b) => b.walSegmentSize !== null)?.walSegmentSize;
  if (fromBackup) return fromBackup;
  const plain = listing.find((e) => SEGMENT_NAME.test(e.name) && isValidSegmentSize(e.sizeBytes));
  if (plain) return plain.sizeBytes;
  const key = `${files.where}\0${walArchive}`;
  const known = compressedSegmentSizes.get(key);
  if (known) return known;
  const gz = listing.find((e) => e.name.endsWith('.gz') && SEGMENT_NAME.test(e.name.slice(0, -3)));
  const zst = listing.find((e) => e.name.endsWith('.zst') && SEGMENT_NAME.test(e.name.slice(0, -4)));
  const [tail, head] = await files.read([
    ...(gz ? [{ path: join(walArchive, gz.name), end: 'tail' as const, bytes: 4 }] : []),
    ...(zst ? [{ path: join(walArchive, zst.name), end: 'head' as const, bytes: 18 }] : []),
  ]);
  // gzip's last four bytes hold the uncompressed size modulo 2^32 (RFC 1952 ISIZE): exact for any segment size.
  const fromGzip = gz && tail && tail.length === 4 ? tail.readUInt32LE(0) : null;
  const zstHead = gz ? head : tail;
  const fromZstd = zst && zstHead ? zstdContentSize(zstHead) : null;
  const size = [fromGzip, fromZstd].find((n): n is number => n !== null && isValidSegmentSize(n)) ?? null;
  if (size !== null) compressedSegmentSizes.set(key, size);
  return size;
}

/** Observing a basebackup source; index.ts adds the rest of the kind. `listArchive` lists the WAL archive. */
export function basebackupObserver(listArchive: (source: BaseBackupSourceConfig, files: SourceFiles, ctx: ProbeContext) => Promise<WalArchiveListing>): Pick<Probe<BaseBackupSourceConfig>, 'kind' | 'observe'> {
  return {
    kind: 'basebackup',
    async observe(source, ctx) {
      const files = filesFor(source, { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
      const { entries: top, children } = await files.listBackups(source.path, 'path');
      const dirs = top
        .filter((e) => e.type === 'dir' && children.get(e.name))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((e) => ({ name: e.name, dir: join(source.path, e.name), entries: children.get(e.name)! }));
      // Only directories new or changed since the last poll are read again.
      const keyOf = (dir: string) => `${source.id}\0${source.host ?? ''}\0${dir}`;
      const changed = dirs.filter((d) => readings.get(keyOf(d.dir))?.signature !== signature(d.entries));
      const read = await readBaseBackups(files, changed, ctx.signal);
      changed.forEach((d, i) => {
        if (readings.size >= MAX_CACHED) readings.delete(readings.keys().next().value!);
        readings.set(keyOf(d.dir), { signature: signature(d.entries), reading: read[i] ?? null });
      });
      const found = dirs.flatMap((d) => readings.get(keyOf(d.dir))?.reading ?? []);
      // pg_basebackup makes each run's directory 0700 for its own user: one this user cannot list is named, never skipped.
      const unlistable = top.filter((e) => e.type === 'dir' && children.has(e.name) && children.get(e.name) === null);

      const archive = await listArchive(source, files, ctx);
      const listing = archive.entries;
      const histories = await backupHistories(found, listing, files, source.walArchive, ctx.signal);
      const segmentSize = await segmentSizeOf([...found].reverse(), listing, files, source.walArchive);
      // A run with neither backup_manifest nor its .backup file is still being written (both come at its end):
      // not a backup yet, so a half-written tarball is neither judged small nor taken for a fresh backup.
      // One that stays so past IN_PROGRESS_LIMIT never finished (pg_basebackup killed), and is named.
      const now = ctx.now();
      const unfinished = (reading: BaseBackupReading) => reading.label !== null && reading.manifest === null && reading.manifestMtimeMs === null && !histories.has(reading.name);
      const inProgress = found.filter((reading) => unfinished(reading) && now - (reading.label!.startTime ?? reading.newestMtimeMs) < IN_PROGRESS_LIMIT_MS);
      const backups = found
        .filter((reading) => !inProgress.includes(reading))
        .map((reading) => {
          const backup = observedBackup(reading, histories.get(reading.name) ?? null, segmentSize);
          if (!unfinished(reading) || !backup.readable) return backup;
          return { ...backup, readable: false, problem: `never finished: it has no backup_manifest and no .backup file in ${source.walArchive}, which pg_basebackup and the server write at the end of a run (a run stopped part-way, or one made with --no-manifest whose archive lost its .backup file)` };
        })
        .concat(
          unlistable.map((e): ObservedBackup => ({
            key: e.name,
            type: 'base',
            startedAt: null,
            finishedAt: e.mtimeMs,
            sizeBytes: 0,
            readable: false,
            problem: `its directory cannot be listed by the user Backup Health runs as (${UNREADABLE_HINT}); not read`,
            meta: { label: null, format: null },
          })),
        );

      let walArchive: WalArchiveSummary | null = null;
      let walArchiveError: string | undefined;
      if (segmentSize === null && listing.length > 0) {
        walArchiveError = `the WAL segment size is not known: no base backup holds a WAL segment (pg_basebackup -X none) and no archived segment shows it (uncompressed, gzipped, or zstd with its size in the frame)`;
      }
      if (!walArchiveError && segmentSize !== null) {
        const oldest = backups
          .filter((b) => b.readable && typeof b.meta?.startSegment === 'string')
          .sort((a, b) => (a.meta!.startSegment as string).slice(8).localeCompare((b.meta!.startSegment as string).slice(8)))[0];
        // Follow the timeline a restore with recovery_target_timeline = 'latest' (PostgreSQL's default, and every
        // drill's) follows: the highest with a .history file. Archive times can mislead: a promoted standby may
        // archive the old timeline's last segments again after its own.
        walArchive = walContinuity({ listing, segmentSize, startSegment: (oldest?.meta?.startSegment as string | undefined) ?? null, histories: archive.histories, ...recoveryTarget(archive.histories) });
      }
      const newest = newestArchived(listing, segmentSize);
      const metrics: BaseBackupMetrics = {
        kind: 'basebackup',
        backupCount: backups.length,
        ...(inProgress.length > 0 ? { inProgress: inProgress.length } : {}),
        backupBytes: found.reduce((sum, b) => sum + b.sizeBytes, 0),
        archiveBytes: listing.reduce((sum, e) => sum + e.sizeBytes, 0),
        archiveFiles: listing.length,
        newestSegment: walArchive?.newestSegment ?? newest?.name ?? null,
        newestSegmentAt: walArchive?.newestArchivedAt ?? newest?.mtimeMs ?? null,
        walSegmentSize: segmentSize,
        walArchive,
        ...(walArchiveError ? { walArchiveError } : {}),
        ...(archive.historyProblems.length > 0 ? { walHistoryProblems: archive.historyProblems.slice(0, 10) } : {}),
      };
      return { backups, metrics };
    },
  };
}

/** The newest archived full segment by archive time, when continuity could not be judged. */
function newestArchived(listing: readonly WalArchiveEntry[], segmentSize: number | null): { name: string; mtimeMs: number } | null {
  let newest: WalArchiveEntry | null = null;
  for (const entry of listing) {
    const isSegment = segmentSize ? parseWalFileName(entry.name, segmentSize)?.kind === 'segment' : /^[0-9A-F]{24}(\.(gz|zst|lz4|bz2|xz))?$/.test(entry.name);
    if (isSegment && (!newest || entry.mtimeMs > newest.mtimeMs)) newest = entry;
  }
  return newest ? { name: newest.name.slice(0, 24), mtimeMs: newest.mtimeMs } : null;
}

/** Each backup's .backup history file in the archive, by backup name: found by its start segment, matched by label and start. */
async function backupHistories(backups: readonly BaseBackupReading[], listing: readonly WalArchiveEntry[], files: SourceFiles, walArchive: string, signal: AbortSignal): Promise<Map<string, BackupHistory>> {
  const out = new Map<string, BackupHistory>();
  const byStart = new Map<string, string[]>();
  for (const entry of listing) {
    const match = /^([0-9A-F]{24})\.[0-9A-F]{8}\.backup(?:\.(?:gz|zst|lz4))?$/.exec(entry.name);
    if (match) byStart.set(match[1]!, [...(byStart.get(match[1]!) ?? []), entry.name]);
  }
  const wanted = backups.flatMap((backup) => (backup.label?.startSegment ? (byStart.get(backup.label.startSegment) ?? []).map((name) => ({ backup, name })) : []));
  const texts = await archivedTexts(files, wanted.map((w) => join(walArchive, w.name)), signal);
  wanted.forEach(({ backup }, i) => {
    const text = texts[i];
    if (!text || out.has(backup.name)) return;
    const history = parseBackupHistory(text);
    if (history.startLsn === backup.label!.startLsn && history.label === backup.label!.label) out.set(backup.name, history);
  });
  return out;
}

/** One backup as the app records it: its times, size, and in meta what a drill needs. */
export function observedBackup(reading: BaseBackupReading, history: BackupHistory | null, segmentSize: number | null): ObservedBackup {
  const label = reading.label;
  const lastRange = reading.manifest?.walRanges.at(-1);
  const stopLsn = history?.stopLsn ?? lastRange?.endLsn ?? null;
  const timeline = label?.startTimeline ?? reading.manifest?.walRanges[0]?.timeline ?? null;
  const stopTimeline = history?.stopTimeline ?? lastRange?.timeline ?? timeline;
  const stopParsed = stopLsn ? parseLsn(stopLsn) : null;
  const stopSegment = history?.stopSegment ?? (stopParsed !== null && stopTimeline && segmentSize ? segmentNameOfLsn(stopTimeline, stopParsed, segmentSize) : null);
  // STOP TIME has whole seconds; backup_manifest, written as the run ends, has the same moment to the
  // millisecond (two runs in one second must still come in order). A manifest much later than the stop time
  // was written again (copied without its times): the stop time wins then.
  const manifestAt = reading.manifestMtimeMs;
  const stopTime = history?.stopTime ?? null;
  const finishedAt =
    stopTime !== null ? (manifestAt !== null && manifestAt >= stopTime && manifestAt - stopTime < 60_000 ? manifestAt : stopTime) : (manifestAt ?? reading.newestMtimeMs);
  return {
    key: reading.name,
    type: 'base',
    startedAt: label?.startTime ?? null,
    finishedAt,
    sizeBytes: reading.sizeBytes,
    readable: reading.problem === null,
    problem: reading.problem,
    meta: {
      label: label?.label ?? null,
      format: reading.format,
      compression: reading.compression,
      pgVersion: reading.pgVersion,
      timeline,
      startLsn: label?.startLsn ?? reading.manifest?.walRanges[0]?.startLsn ?? null,
      startSegment: label?.startSegment ?? null,
      checkpointLsn: label?.checkpointLsn ?? null,
      stopLsn,
      stopSegment,
      stopTimeline,
      // Where the stop time and location came from: the archived .backup file, or the manifest (no stop time).
      stopFrom: history ? 'backup history file' : lastRange ? 'backup_manifest' : null,
      walSegmentSize: segmentSize,
      backupFrom: label?.from ?? null,
      method: label?.method ?? null,
      incrementalFromLsn: label?.incrementalFromLsn ?? null,
      tablespaces: reading.tablespaces,
      manifest: reading.manifest ? { version: reading.manifest.version, checksum: reading.manifest.checksum, walRanges: reading.manifest.walRanges, systemIdentifier: reading.manifest.systemIdentifier } : null,
    },
  };
}
