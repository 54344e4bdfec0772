// pg_restore against custom, directory and tar archives: list the table of contents (the progress total),
// read the schema script (tables, roles, encoding) without touching the data, and restore into a scratch
// cluster counting items as `pg_restore -v` reports them. A custom or tar archive that was gzipped as a
// whole is streamed through zlib into pg_restore's stdin (and then restored with one job: pg_restore cannot
// run parallel jobs on a pipe).
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOptions, RunResult } from '../exec';
import type { DrillJail } from './drill-jail';
import { extensionOf, RESTORE_ROLE, type WantedExtension } from './drill-roles';
import { DumpScriptScanner } from '../pg-dump/script';
import { LineSplitter, parseTocList, restoredItemOf, type TocListing } from '../pg-dump/toc';
import { isChatter } from './restore-errors';
import { restoreList } from './restore-list';
import type { ScratchCluster } from './scratch-cluster';

export interface ArchiveFile {
  path: string;
  format: 'custom' | 'directory' | 'tar';
  /** The archive file was compressed again with gzip as a whole. */
  gzipped: boolean;
}

export interface ToolBudget {
  signal: AbortSignal;
  timeoutMs: number;
}

/** Lines of stderr kept for the error message; the rest is -v chatter or repetition. */
const MAX_PROBLEM_LINES = 200;
/** Output kept by exec for tools whose output we read as it streams. */
const CAPTURE_BYTES = 256 * 1024;

const FORMAT_FLAG: Record<ArchiveFile['format'], string> = { custom: 'c', directory: 'd', tar: 't' };

/** How pg_restore gets the archive: a path, or (gzipped) a stream on stdin. */
function archiveInput(archive: ArchiveFile): { args: string[]; stdinStream?: Readable } {
  if (!archive.gzipped) return { args: [archive.path] };
  const gunzip = createGunzip();
  // pipeline destroys the gunzip stream with any read or zlib error, which makes exec kill pg_restore.
  pipeline(createReadStream(archive.path), gunzip, () => {});
  return { args: ['-F', FORMAT_FLAG[archive.format]], stdinStream: gunzip };
}

/** pg_restore as the drill's user, in its sandbox, seeing the archive read-only. */
function pgRestoreIn(jail: DrillJail, pgRestore: string, archive: ArchiveFile, args: string[], options: Omit<RunOptions, 'uid' | 'gid' | 'env'>): Promise<RunResult> {
  const input = archiveInput(archive);
  return jail.reading(archive.gzipped ? [] : [archive.path]).run(pgRestore, [...args, ...input.args], { ...options, ...(input.stdinStream ? { stdinStream: input.stdinStream } : {}) });
}

/** pg_restore --list: the items a restore will process. Reads only the header and the TOC. */
export async function listArchive(jail: DrillJail, pgRestore: string, archive: ArchiveFile, budget: ToolBudget): Promise<{ result: RunResult; listing: TocListing }> {
  const result = await pgRestoreIn(jail, pgRestore, archive, ['--list'], budget);
  return { result, listing: parseTocList(result.stdout) };
}

/**
 * pg_restore --schema-only -f -: the archive as a SQL script without its data, scanned line by line as it
 * streams (its size is not bounded by exec's capture).
 */
export async function scanArchiveSchema(jail: DrillJail, pgRestore: string, archive: ArchiveFile, budget: ToolBudget): Promise<{ result: RunResult; scanner: DumpScriptScanner; extensions: WantedExtension[]; leakproof: string[] }> {
  const scanner = new DumpScriptScanner();
  const extensions: WantedExtension[] = [];
  /** LEAKPROOF functions ("schema name(args)"): only a superuser may define one, so restore-list.ts skips them. */
  const leakproof: string[] = [];
  const lines = new LineSplitter((line) => {
    scanner.line(line);
    const extension = extensionOf(line);
    if (extension) extensions.push(extension);
    const entry = scanner.current;
    if (entry?.type === 'FUNCTION' && /\bLEAKPROOF\b/.test(line) && !line.startsWith('--')) leakproof.push(`${entry.schema ?? '-'} ${entry.name}`);
  });
  const result = await pgRestoreIn(jail, pgRestore, archive, ['--schema-only', '--no-tablespaces', '-f', '-'], {
    ...budget,
    maxOutputBytes: CAPTURE_BYTES,
    onStdout: (chunk) => lines.push(chunk),
  });
  lines.end();
  return { result, scanner, extensions, leakproof };
}

export interface ArchiveRestore {
  result: RunResult;
  /** stderr without the progress chatter: the errors and their context. */
  problems: string;
  /** Items pg_restore reported processing. */
  done: number;
  /** Superuser-only items left out (restore-list.ts), as "EVENT TRIGGER evt". */
  skipped: string[];
}

/**
 * Restores the archive into `database` of the scratch cluster, as the unprivileged restore role, without the
 * superuser-only items (restore-list.ts), owning what it creates (--no-owner) and without GRANTs
 * (--no-privileges): giving an object to a role without CREATE on its schema takes a superuser, and a drill
 * proves the data, not who owned it.
 * No --exit-on-error: pg_restore goes on past a
 * failing statement and exits 1 with "errors ignored on restore: N", so one run shows everything that is
 * wrong; with -j N, --exit-on-error would also leave the other workers' output cut at a random point.
 */
export async function restoreArchive(
  cluster: ScratchCluster,
  archive: ArchiveFile,
  opts: ToolBudget & { database: string; jobs: number; entries: TocListing['entries']; leakproof: readonly string[]; onItem: (done: number, item: string) => void },
): Promise<ArchiveRestore> {
  const problemLines: string[] = [];
  let done = 0;
  const lines = new LineSplitter((line) => {
    const item = restoredItemOf(line);
    if (item !== null) {
      done++;
      opts.onItem(done, item);
    } else if (!isChatter(line) && problemLines.length < MAX_PROBLEM_LINES) {
      problemLines.push(line);
    }
  });
  const list = restoreList(opts.entries, opts.leakproof);
  const listFile = join(cluster.dir, 'restore.list');
  writeFileSync(listFile, list.text, { mode: 0o644 });
  // pg_restore runs parallel jobs only on a seekable custom file or a directory.
  const jobs = archive.format === 'tar' || archive.gzipped ? 1 : Math.max(1, Math.floor(opts.jobs));
  const args = [...cluster.clientArgs(RESTORE_ROLE), '-d', opts.database, '--verbose', '--no-tablespaces', '--no-owner', '--no-privileges', '-L', listFile, '-j', String(jobs)];
  const result = await pgRestoreIn(cluster.jail!, cluster.tool('pg_restore'), archive, args, {
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    maxOutputBytes: CAPTURE_BYTES,
    onStderr: (chunk) => lines.push(chunk),
  });
  lines.end();
  return { result, problems: problemLines.join('\n'), done, skipped: list.skipped };
}
