// A directory of pg_dump outputs: every entry matching the pattern is a backup, files and directory-format
// archives alike. Each is recorded even when it is empty or garbage (readable=false), because a dump of a
// few bytes is exactly the failure this app exists to catch. Only the first bytes of each file are read.
// With `host`, the directory is on another machine and is read over ssh (remote.ts).
import { lstat, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import picomatch from 'picomatch';
import type { DumpDirSourceConfig } from '../../../../shared/config';
import type { DumpDirMetrics, ObservedBackup } from '../../../../shared/model';
import { newestFirst } from '../../../../shared/newest-backup';
import type { Probe, ProbeContext } from '../probe';
import { ProbeError } from '../../errors';
import { mapBounded } from './map-bounded';
import { observeRemoteDir } from './remote';
import { observeBucket } from './s3-observe';
import type { DumpHeaderReading } from '../../pg-dump/identify';
import { readDirectoryArchive, readDumpFileHeader } from '../../pg-dump/dump-files';
import { NotOpened, notADumpFile, resolveInside, specialKind } from '../../pg-dump/contained-file';

/** Files read at once: enough to hide disk latency, few enough not to exhaust file descriptors. */
const HEADER_READ_CONCURRENCY = 8;

/** Observing a dump directory; index.ts adds the drill and the rest of the kind. */
export const dumpDirObserver: Pick<Probe<DumpDirSourceConfig>, 'kind' | 'observe'> = {
  kind: 'dump-dir',
  async observe(source, ctx) {
    // The config file holds either url or path (shared/config.ts checkDumpDirPlace).
    const path = source.path ?? '';
    const observed = source.url
      ? await observeBucketDumps({ ...source, url: source.url }, ctx)
      : source.host
        ? await observeRemote({ ...source, host: source.host, path }, ctx)
        : await observeLocal({ ...source, path }, ctx);
    const settledBefore = ctx.now() - source.settle;
    const entries = observed.filter((b): b is ObservedBackup => b !== null);
    // Oldest first, by the one definition of newest (shared/newest-backup.ts).
    const backups = entries.filter((b) => b.finishedAt <= settledBefore).sort((a, b) => newestFirst(b, a));
    const metrics: DumpDirMetrics = {
      kind: 'dump-dir',
      fileCount: backups.length,
      totalBytes: backups.reduce((sum, b) => sum + b.sizeBytes, 0),
      inProgress: entries.length - backups.length,
    };
    return { backups, metrics };
  },
};

async function observeLocal(source: DumpDirSourceConfig & { path: string }, ctx: ProbeContext): Promise<(ObservedBackup | null)[]> {
  // Keys keep the configured path; containment compares resolved paths (a /backups -> /srv/nas link is fine).
  const dir = resolve(source.path);
  const names = await listMatching(dir, source.pattern);
  return mapBounded(names, HEADER_READ_CONCURRENCY, ctx.signal, (name) => observeEntry(dir, join(dir, name)));
}

async function observeBucketDumps(source: DumpDirSourceConfig & { url: string }, ctx: ProbeContext): Promise<ObservedBackup[]> {
  const entries = await observeBucket(source, ctx);
  return entries.map((e) => backup(e.key, e.finishedAt, e.sizeBytes, e.reading));
}

async function observeRemote(source: DumpDirSourceConfig & { host: string; path: string }, ctx: ProbeContext): Promise<ObservedBackup[]> {
  const entries = await observeRemoteDir(source, ctx);
  return entries.map((e) => backup(e.key, e.finishedAt, e.sizeBytes, e.reading));
}

async function listMatching(dir: string, pattern: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw directoryError(dir, err);
  }
  const isMatch = picomatch(pattern);
  return names.filter((name) => isMatch(name)).sort();
}

function directoryError(dir: string, err: unknown): ProbeError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new ProbeError('not-found', `no such directory ${dir}`);
    case 'ENOTDIR':
      return new ProbeError('config', `${dir} is a file, not a directory: set path to the directory the dumps are written to`);
    case 'EACCES':
    case 'EPERM':
      return new ProbeError('permission-denied', `permission denied reading ${dir}: ${whoAmI()} cannot list it; give it read and execute permission on the directory`);
    default:
      return new ProbeError('failed', `could not read ${dir}: ${code ?? (err as Error).message}`);
  }
}

function whoAmI(): string {
  try {
    const { username, uid } = userInfo();
    return `user ${username} (uid ${uid})`;
  } catch {
    return 'this user';
  }
}

/**
 * One entry of the directory. A symlink counts as its target only when that lies inside the directory
 * (pg-dump/contained-file.ts); a FIFO, socket or device matching the pattern is recorded as unreadable, never opened.
 */
async function observeEntry(dir: string, path: string): Promise<ObservedBackup | null> {
  let link: Stats;
  try {
    link = await lstat(path);
  } catch (err) {
    return observeUnstattable(dir, err);
  }
  const unreadableEntry = (problem: string, mtimeMs = link.mtimeMs) => backup(path, Math.trunc(mtimeMs), 0, { header: { format: 'unknown' }, readable: false, problem });
  let stats = link;
  if (link.isSymbolicLink()) {
    try {
      stats = await stat(await resolveInside(path, dir));
    } catch (err) {
      if (err instanceof NotOpened) return unreadableEntry(err.message);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') return unreadableEntry(`cannot be read: ${whoAmI()} cannot follow this symbolic link`);
      return unreadableEntry(code === 'ENOENT' ? 'broken symbolic link: its target does not exist' : `cannot be read: ${code ?? (err as Error).message}`);
    }
  }
  if (stats.isFile()) return backup(path, Math.trunc(stats.mtimeMs), stats.size, await readDumpFileHeader(path, stats.size, { within: dir }));
  if (stats.isDirectory()) {
    const archive = await readDirectoryArchive(path, { within: dir });
    // An empty directory has no files to date it; its own mtime is when it was last written to.
    return backup(path, archive.newestMs ?? Math.trunc(stats.mtimeMs), archive.sizeBytes, archive.reading);
  }
  return unreadableEntry(notADumpFile(specialKind(stats) ?? 'something other than a file'), stats.mtimeMs);
}

/** lstat failed: gone since readdir (skip), or no search permission on the directory. */
function observeUnstattable(dir: string, err: unknown): null {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    throw new ProbeError('permission-denied', `permission denied reading ${dir}: ${whoAmI()} can list it but not open its entries; give it execute permission on the directory`);
  }
  return null; // removed between readdir and lstat: rotation, not a backup
}

function backup(key: string, finishedAt: number, sizeBytes: number, reading: DumpHeaderReading): ObservedBackup {
  return {
    key,
    type: 'dump',
    finishedAt,
    sizeBytes,
    readable: reading.readable,
    problem: reading.problem,
    meta: { header: reading.header, ...(reading.clusterDump ? { clusterDump: true } : {}) },
  };
}
