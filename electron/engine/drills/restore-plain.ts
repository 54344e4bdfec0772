// Plain SQL dumps (.sql, .sql.gz) restored the way their README says: psql with ON_ERROR_STOP. The file is
// streamed into psql's stdin (through zlib for .gz), never held in memory, and scanned on its way: every
// role a line names is created before psql can read that line, tables are collected for verification, and
// pg_dump's closing comment must arrive, or the dump was cut short.
import { createReadStream } from 'node:fs';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { run, type RunResult } from '../exec';
import { DumpScriptScanner } from './dump-script';
import type { ToolBudget } from './restore-archive';
import { clientEnv } from './scratch-client';
import type { ScratchCluster } from './scratch-cluster';

const NEWLINE = 0x0a;
const COPY_END = Buffer.from('\\.');

/**
 * Passes the script through unchanged, line-scanning it. A chunk is only passed on once the roles its
 * complete lines name exist; a line split across chunks cannot be run by psql before its newline arrives,
 * and is scanned (and its roles created) before the chunk holding that newline is passed on.
 */
export class ScriptFeed extends Transform {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  constructor(
    readonly scanner: DumpScriptScanner,
    private readonly ensureRoles: (roles: string[]) => Promise<void>,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const roles: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      roles.push(...this.scanLine(chunk.subarray(start, nl)));
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingLength += chunk.length - start;
    }
    if (roles.length === 0) {
      callback(null, chunk);
      return;
    }
    this.ensureRoles(roles).then(
      () => callback(null, chunk),
      (err: Error) => callback(err),
    );
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingLength > 0) this.scanLine(Buffer.alloc(0));
    callback();
  }

  private scanLine(tail: Buffer): string[] {
    const length = this.pendingLength + tail.length;
    const parts = this.pending;
    this.pending = [];
    this.pendingLength = 0;
    if (this.scanner.inCopy) {
      // COPY data is most of a dump: only "\." (ending it) matters, so most lines are never decoded.
      if (length > 3) {
        this.scanner.copyLine(false);
        return [];
      }
      const line = parts.length > 0 ? Buffer.concat([...parts, tail]) : tail;
      const trimmed = line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
      this.scanner.copyLine(trimmed.equals(COPY_END));
      return [];
    }
    const line = parts.length > 0 ? Buffer.concat([...parts, tail]) : tail;
    return this.scanner.line(line.toString('utf8'));
  }
}

export interface PlainFile {
  path: string;
  gzipped: boolean;
}

export interface PlainRestore {
  result: RunResult;
  scanner: DumpScriptScanner;
}

/**
 * psql -X -q -v ON_ERROR_STOP=1 into `database` (for a --create dump, a maintenance database: the script
 * creates and \connects to its own). Query results (set_config, setval) go to /dev/null.
 */
export async function restorePlain(
  cluster: ScratchCluster,
  file: PlainFile,
  opts: ToolBudget & { database: string; ensureRoles: (roles: string[]) => Promise<void>; onBytes: (bytesRead: number, detail: string | null) => void },
): Promise<PlainRestore> {
  const scanner = new DumpScriptScanner();
  const feed = new ScriptFeed(scanner, opts.ensureRoles);
  const source = createReadStream(file.path);
  let bytesRead = 0;
  source.on('data', (chunk) => {
    bytesRead += chunk.length;
    const entry = scanner.current;
    opts.onBytes(bytesRead, entry ? `${entry.type} ${entry.schema ? `${entry.schema}.` : ''}${entry.name}` : null);
  });
  // Any read, zlib or role error destroys `feed` with it, and exec then kills psql: a cut input must never
  // reach psql's end of file looking like a whole one.
  if (file.gzipped) pipeline(source, createGunzip(), feed, () => {});
  else pipeline(source, feed, () => {});
  const result = await run(
    cluster.tool('psql'),
    [...cluster.clientArgs(), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-d', opts.database, '-f', '-'],
    { signal: opts.signal, timeoutMs: opts.timeoutMs, env: clientEnv(), maxOutputBytes: 256 * 1024, stdinStream: feed },
  );
  return { result, scanner };
}

/** The first `maxBytes` of a plain dump's text (gunzipped when needed), for settings read before restoring. */
export async function readScriptHead(file: PlainFile, maxBytes = 16 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  const source = createReadStream(file.path, file.gzipped ? {} : { end: maxBytes - 1 });
  const stream = file.gzipped ? source.pipe(createGunzip()) : source;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= maxBytes) break;
    }
  } catch {
    // a corrupt gzip is found (and reported) by the restore itself
  } finally {
    source.destroy();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
