// Which databases a restic snapshot or a borg archive holds pg_dump output of, for the coverage rule, read
// without restoring it: the tool lists the tree, and the first 8 KB of the likeliest dump files are streamed
// out of it (restic dump, borg extract --stdout) and cut off there, so a 50 GB dump costs 8 KB. Each pg_dump
// header names its database (custom, directory and tar archives; plain SQL made with --create).
//
// Snapshots and archives never change, so what one holds is read once and kept (by the caller, per
// repository and id). Only the newest backup of each job is read (jobGroup), at most MAX_HEAD_READS files each,
// dump-like names first, newest first. This is only ever asked for a source linked to a postgres source
// (`database:`): others pay nothing.
import { Writable } from 'node:stream';
import { posix } from 'node:path';
import type { ObservedBackup } from '../../../shared/model';
import { byNewest } from '../../../shared/newest-backup';
import { HEADER_READ_BYTES, identifySafely, identifyTocDat, type DumpHeaderReading } from '../pg-dump/identify';

/** Dump heads read per snapshot or archive: each costs one tool run (restic or borg startup, key derivation). */
export const MAX_HEAD_READS = 12;
/** Head reads running at once. */
export const HEAD_READ_CONCURRENCY = 4;
/** Jobs (groups of snapshots or archives) whose newest backup is read. */
export const MAX_JOBS = 4;
/** Files kept from a listing to choose from: a snapshot of a whole server lists millions. */
const MAX_LISTED = 10_000;
/** Names pg_dump output is usually given. */
const DUMP_NAME = /\.(?:dump|pgdump|pg_dump|backup|bak|custom|dmp|fc|sql|sql\.gz|gz|tar)$/i;

/** One regular file of a listing (a path the tool takes back, its size, its time). */
export interface ListedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Gathers a tool's listing of regular files, line by line, keeping what the dump search may read. */
export class ListingCollector {
  private readonly files: ListedFile[] = [];
  private readonly tocDirs = new Set<string>();
  private dumpLike = 0;
  private others = 0;

  add(file: ListedFile): void {
    if (posix.basename(file.path) === 'toc.dat') {
      this.tocDirs.add(posix.dirname(file.path));
      this.files.push(file);
      return;
    }
    if (file.size <= 0) return;
    if (DUMP_NAME.test(file.path)) {
      if (this.dumpLike++ < MAX_LISTED) this.files.push(file);
    } else if (this.others++ < MAX_LISTED) {
      this.files.push(file);
    }
  }

  /**
   * The files whose heads are read: every directory dump's toc.dat, then files named like dumps, then any
   * other file, each newest first, never a member of a directory dump, at most MAX_HEAD_READS.
   */
  candidates(): { path: string; size: number; toc: boolean }[] {
    const rank = (f: ListedFile) => (posix.basename(f.path) === 'toc.dat' ? 0 : DUMP_NAME.test(f.path) ? 1 : 2);
    return this.files
      .filter((f) => posix.basename(f.path) === 'toc.dat' || !this.tocDirs.has(posix.dirname(f.path)))
      .sort((a, b) => rank(a) - rank(b) || b.mtimeMs - a.mtimeMs || (a.path < b.path ? -1 : 1))
      .slice(0, MAX_HEAD_READS)
      .map((f) => ({ path: f.path, size: f.size, toc: rank(f) === 0 }));
  }
}

/** Reads the first `HEADER_READ_BYTES` of a file in the backup; resolves with fewer when the file is shorter. */
export type HeadReader = (path: string, signal: AbortSignal) => Promise<Buffer>;

/**
 * The database names the candidates' pg_dump headers give, and whether every head could be read (when not,
 * the answer is partial and must not be kept). pg_dumpall output names no single database and is passed over.
 * A head whose read failed is read once more after the others: concurrent reads of one repository can meet
 * on its lock for a moment (borg waits only BORG_LOCK_WAIT_S for it), and that must not cost a database.
 */
export async function databasesNamed(candidates: { path: string; size: number; toc: boolean }[], readHead: HeadReader, signal: AbortSignal): Promise<{ databases: string[]; complete: boolean }> {
  const names = new Set<string>();
  const read = async (candidate: (typeof candidates)[number]): Promise<boolean> => {
    let head: Buffer;
    try {
      head = await readHead(candidate.path, signal);
    } catch {
      return false;
    }
    const whole = head.length >= candidate.size;
    const reading: DumpHeaderReading = candidate.toc ? identifyTocDat({ head, complete: whole }) : await identifySafely({ head, complete: whole });
    const name = reading.readable && !reading.clusterDump ? reading.header.dbName : undefined;
    if (name) names.add(name);
    return true;
  };
  const failed: typeof candidates = [];
  let next = 0;
  const worker = async () => {
    while (next < candidates.length && !signal.aborted) {
      const candidate = candidates[next++]!;
      if (!(await read(candidate))) failed.push(candidate);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HEAD_READ_CONCURRENCY, candidates.length) }, worker));
  let complete = true;
  for (const candidate of failed) if (signal.aborted || !(await read(candidate))) complete = false;
  if (signal.aborted) complete = false;
  return { databases: [...names].sort(), complete };
}

/** Thrown into the tool's output once the head is in: exec then stops the tool (nothing more is wanted). */
export class HeadComplete extends Error {}

/**
 * A stream for exec's `stdoutTo` that keeps the first `limit` bytes and then fails with HeadComplete, so exec
 * kills the tool instead of reading a 50 GB dump to its end.
 */
export class HeadCollector extends Writable {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  constructor(private readonly limit = HEADER_READ_BYTES) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const room = this.limit - this.length;
    if (room > 0) {
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(piece);
      this.length += piece.length;
    }
    callback(this.length >= this.limit ? new HeadComplete() : null);
  }

  head(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * The backups whose contents are read: the newest readable one of each job, newest jobs first. A job is what
 * the caller says it is (restic: host and paths; borg: the archive name without its digits), since one
 * repository often keeps several (an orders job and a billing job, each with its own snapshots).
 */
export function newestOfEachJob(backups: readonly ObservedBackup[], jobOf: (backup: ObservedBackup) => string): ObservedBackup[] {
  const seen = new Set<string>();
  const chosen: ObservedBackup[] = [];
  for (const backup of byNewest(backups)) {
    if (!backup.readable || backup.sizeBytes <= 0) continue;
    const job = jobOf(backup);
    if (seen.has(job)) continue;
    seen.add(job);
    chosen.push(backup);
    if (chosen.length >= MAX_JOBS) break;
  }
  return chosen;
}
