// pg_restore against custom, directory and tar archives: list the table of contents (the progress total),
// read the schema script (tables, roles, encoding) without touching the data, and restore into a scratch
// cluster counting items as `pg_restore -v` reports them. A custom or tar archive that was gzipped as a
// whole is streamed through zlib into pg_restore's stdin (and then restored with one job: pg_restore cannot
// run parallel jobs on a pipe).
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { run, type RunResult } from '../exec';
import { DumpScriptScanner } from './dump-script';
import { LineSplitter, parseTocList, restoredItemOf, type TocListing } from './dump-toc';
import { isChatter } from './restore-errors';
import { clientEnv } from './scratch-client';
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

/** pg_restore --list: the items a restore will process. Reads only the header and the TOC. */
export async function listArchive(pgRestore: string, archive: ArchiveFile, budget: ToolBudget): Promise<{ result: RunResult; listing: TocListing }> {
  const input = archiveInput(archive);
  const result = await run(pgRestore, ['--list', ...input.args], { ...budget, env: clientEnv(), ...(input.stdinStream ? { stdinStream: input.stdinStream } : {}) });
  return { result, listing: parseTocList(result.stdout) };
}

/**
 * pg_restore --schema-only -f -: the archive as a SQL script without its data, scanned line by line as it
 * streams (its size is not bounded by exec's capture).
 */
export async function scanArchiveSchema(pgRestore: string, archive: ArchiveFile, budget: ToolBudget): Promise<{ result: RunResult; scanner: DumpScriptScanner }> {
  const scanner = new DumpScriptScanner();
  const lines = new LineSplitter((line) => scanner.line(line));
  const input = archiveInput(archive);
  const result = await run(pgRestore, ['--schema-only', '--no-tablespaces', '-f', '-', ...input.args], {
    ...budget,
    env: clientEnv(),
    maxOutputBytes: CAPTURE_BYTES,
    onStdout: (chunk) => lines.push(chunk),
    ...(input.stdinStream ? { stdinStream: input.stdinStream } : {}),
  });
  lines.end();
  return { result, scanner };
}

export interface ArchiveRestore {
  result: RunResult;
  /** stderr without the progress chatter: the errors and their context. */
  problems: string;
  /** Items pg_restore reported processing. */
  done: number;
}

/**
 * Restores the archive into `database` of the scratch cluster. No --exit-on-error: pg_restore goes on past a
 * failing statement and exits 1 with "errors ignored on restore: N", so one run shows everything that is
 * wrong; with -j N, --exit-on-error would also leave the other workers' output cut at a random point.
 */
export async function restoreArchive(
  cluster: ScratchCluster,
  archive: ArchiveFile,
  opts: ToolBudget & { database: string; jobs: number; onItem: (done: number, item: string) => void },
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
  const input = archiveInput(archive);
  // pg_restore runs parallel jobs only on a seekable custom file or a directory.
  const jobs = archive.format === 'tar' || archive.gzipped ? 1 : Math.max(1, Math.floor(opts.jobs));
  const result = await run(
    cluster.tool('pg_restore'),
    [...cluster.clientArgs(), '-d', opts.database, '--verbose', '--no-tablespaces', '-j', String(jobs), ...input.args],
    {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      env: clientEnv(),
      maxOutputBytes: CAPTURE_BYTES,
      onStderr: (chunk) => lines.push(chunk),
      ...(input.stdinStream ? { stdinStream: input.stdinStream } : {}),
    },
  );
  lines.end();
  return { result, problems: problemLines.join('\n'), done };
}
