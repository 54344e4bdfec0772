// The one walk of a tree a restic or borg drill restored (or copied) here: what it holds, counted as each tool
// counts it, and the pg_dump output in it. The tree is the backup's, so it is hostile input: the walk only
// lstats and lists (never follows a symlink, never opens a FIFO, socket or device: opening a FIFO blocks
// forever), and the files it opens to look for pg_dump headers are capped, so a snapshot of a whole server
// (or a crafted one with a million empty files) cannot make the search endless.
import type { Stats } from 'node:fs';
import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObservedBackup } from '../../../shared/model';
import { byNewest } from '../../../shared/newest-backup';
import { readDirectoryDumpHeader, readDumpFileHeader } from '../pg-dump/dump-files';

/** Files and directory dumps whose header is read looking for pg_dump output; the rest are only counted. */
export const MAX_DUMP_CANDIDATES = 10_000;
/** Special files named in the tree's description; the rest are only counted. */
const SPECIAL_NAMED = 5;

export interface DumpCandidate {
  path: string;
  /** A regular file, or a directory holding a regular toc.dat (a directory-format dump). */
  kind: 'file' | 'directory';
  /** The file's size, or the bytes of the regular files under the directory. */
  size: number;
  mtimeMs: number;
}

export interface SnapshotTree {
  /** Every entry under the root (files, directories, links, special files), as restic counts nodes. */
  nodes: number;
  /** Regular files, a set of hard links once (borg's nfiles; restic and borg store the data once). */
  files: number;
  /** Bytes of those regular files (restic stats' total_size, borg's original_size). */
  bytes: number;
  /** FIFOs, sockets and devices: counted and never opened. */
  special: { count: number; paths: string[] };
  /** Where pg_dump output may be, in walk order, at most MAX_DUMP_CANDIDATES; empty unless asked for. */
  candidates: DumpCandidate[];
  /** More candidates than the cap: the search looked at the first ones only. */
  capped: boolean;
  /** Entries whose setuid, setgid or sticky bit makeInert cleared. */
  madeInert: number;
}

export interface WalkOptions {
  /** Collect dump candidates (a progress walk during a restore only needs the counts). */
  findDumps?: boolean;
  /** Stops the walk of a huge tree when the drill is cancelled or out of time. */
  signal?: AbortSignal;
  /**
   * Clears setuid, setgid and sticky bits on the way (a tree a drill unpacked is the backup's: a setuid file
   * must not become one on this machine, even for the drill's own user). Only what lstat calls a file or a
   * directory is touched; a link is never followed.
   */
  makeInert?: boolean;
}

export async function walkTree(root: string, options: WalkOptions = {}): Promise<SnapshotTree> {
  const tree: SnapshotTree = { nodes: 0, files: 0, bytes: 0, special: { count: 0, paths: [] }, candidates: [], capped: false, madeInert: 0 };
  const inert = async (path: string, stats: Stats) => {
    if (!options.makeInert || (stats.mode & 0o7000) === 0) return;
    await chmod(path, stats.mode & 0o777);
    tree.madeInert++;
  };
  const linked = new Set<string>();
  const addCandidate = (candidate: DumpCandidate) => {
    if (!options.findDumps) return;
    if (tree.candidates.length >= MAX_DUMP_CANDIDATES) tree.capped = true;
    else tree.candidates.push(candidate);
  };

  /** Walks the directory `dir`; returns the bytes of the regular files under it. */
  const walkDir = async (dir: string, insideDump: boolean): Promise<number> => {
    options.signal?.throwIfAborted();
    const names = await readdir(dir).catch(() => [] as string[]);
    let bytes = 0;
    const entries: { path: string; stats: Stats }[] = [];
    for (const name of names) {
      const stats = await lstat(join(dir, name)).catch(() => null);
      if (stats) entries.push({ path: join(dir, name), stats });
    }
    // A directory-format dump: its members are table data, not dumps of their own.
    const toc = entries.find((e) => e.path === join(dir, 'toc.dat'));
    const isDump = !insideDump && toc !== undefined && toc.stats.isFile();
    for (const { path, stats } of entries) {
      tree.nodes++;
      if (stats.isDirectory() || stats.isFile()) await inert(path, stats);
      if (stats.isDirectory()) {
        bytes += await walkDir(path, insideDump || isDump);
      } else if (stats.isFile()) {
        const inode = `${stats.dev}:${stats.ino}`;
        if (stats.nlink > 1 && linked.has(inode)) continue;
        if (stats.nlink > 1) linked.add(inode);
        tree.files++;
        tree.bytes += stats.size;
        bytes += stats.size;
        if (!insideDump && !isDump && stats.size > 0) addCandidate({ path, kind: 'file', size: stats.size, mtimeMs: stats.mtimeMs });
      } else if (!stats.isSymbolicLink()) {
        tree.special.count++;
        if (tree.special.paths.length < SPECIAL_NAMED) tree.special.paths.push(path);
      }
    }
    if (isDump) {
      const stats = await lstat(dir);
      addCandidate({ path: dir, kind: 'directory', size: bytes, mtimeMs: stats.mtimeMs });
    }
    return bytes;
  };

  await walkDir(root, false);
  return tree;
}

/**
 * The newest readable pg_dump output among the tree's candidates, by the one definition of newest
 * (shared/newest-backup.ts: the time pg_dump wrote in its header, else the file's time, which restic and borg
 * restore); pg_dumpall output is left out (the dump drill refuses it).
 */
export async function newestDump(tree: SnapshotTree): Promise<ObservedBackup | null> {
  const found: ObservedBackup[] = [];
  for (const candidate of tree.candidates) {
    const reading = candidate.kind === 'directory' ? await readDirectoryDumpHeader(candidate.path) : await readDumpFileHeader(candidate.path, candidate.size);
    if (!reading.readable || reading.header.format === 'unknown' || reading.clusterDump) continue;
    if (candidate.kind === 'directory' && reading.header.format !== 'directory') continue;
    found.push({
      key: candidate.path,
      type: 'dump',
      finishedAt: Math.trunc(candidate.mtimeMs),
      sizeBytes: candidate.size,
      readable: true,
      meta: { header: reading.header },
    });
  }
  return byNewest(found)[0] ?? null;
}
