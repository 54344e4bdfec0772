// Plain SQL dumps (.sql, .sql.gz) restored the way their README says: psql with ON_ERROR_STOP, but with its
// meta-commands locked (psql-lock.ts) so the dump cannot run programs or read files through psql. The file
// is streamed into psql's stdin (through zlib for .gz), never held in memory, and scanned on its way: every
// role a line names is created before psql can read that line, tables are collected for verification,
// pg_dump's own meta-commands are dropped (plain-script-filter.ts), and pg_dump's closing comment must
// arrive, or the dump was cut short.
import { createReadStream } from 'node:fs';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { RunResult } from '../exec';
import { RESTORE_ROLE } from './drill-roles';
import { DumpScriptScanner, type ScriptEntry } from '../pg-dump/script';
import { LineSplitter } from '../pg-dump/toc';
import { PgDumpLineFilter } from './plain-script-filter';
import { newRestrictKey, PsqlLineMap, refusedMetaCommand } from './psql-lock';
import type { ToolBudget } from './restore-archive';
import type { ScratchCluster } from './scratch-cluster';

const NEWLINE = 0x0a;
const COPY_END = Buffer.from('\\.');

export interface FeedOptions {
  /** The drill's own key: psql gets `\restrict <key>` before the dump's first line. */
  restrictKey: string;
  /** A --create dump, whose database the drill made and connected psql to: its creation and \connect are dropped. */
  createsOwnDatabase: boolean;
}

/**
 * Passes the script on a whole line at a time, line-scanning it: the lock first, then every line but those
 * the filter drops. Output is cut only at newlines (a line split across chunks is held back until its
 * newline arrives), so a dropped line is dropped whole. Bytes are passed on once the roles named by the lines
 * they hold exist. COPY data lines are passed on without being decoded.
 */
export class ScriptFeed extends Transform {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private started = false;
  readonly pgDumpLines: PgDumpLineFilter;
  /** psql's line numbers against the dump's, for naming a refused meta-command. */
  readonly lines = new PsqlLineMap();
  /** Where each of pg_dump's entries starts, in psql's line numbers, for naming the entry a statement failed in. */
  private readonly entryStarts: { line: number; entry: ScriptEntry }[] = [];

  constructor(
    readonly scanner: DumpScriptScanner,
    private readonly ensureRoles: (roles: string[]) => Promise<void>,
    private readonly options: FeedOptions,
  ) {
    super();
    this.pgDumpLines = new PgDumpLineFilter(options.createsOwnDatabase);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out: Buffer[] = [];
    this.start(out);
    const roles: string[] = [];
    let start = 0;
    let emitFrom = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const held = this.pending;
      if (this.scanLine(chunk.subarray(start, nl), roles)) {
        // Only a chunk's first line can have a held-back start, and it goes before the rest of the chunk.
        if (held.length > 0) out.push(...held);
      } else {
        if (start > emitFrom) out.push(chunk.subarray(emitFrom, start));
        emitFrom = nl + 1;
      }
      start = nl + 1;
    }
    if (start > emitFrom) out.push(chunk.subarray(emitFrom, start));
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingLength += chunk.length - start;
    }
    this.pass(out, roles, callback);
  }

  override _flush(callback: TransformCallback): void {
    const out: Buffer[] = [];
    this.start(out);
    const roles: string[] = [];
    const held = this.pending;
    if (this.pendingLength > 0 && this.scanLine(Buffer.alloc(0), roles)) out.push(...held);
    this.pass(out, roles, callback);
  }

  private start(out: Buffer[]): void {
    if (this.started) return;
    this.started = true;
    out.push(Buffer.from(`\\restrict ${this.options.restrictKey}\n`));
    this.lines.sentLock();
  }

  private pass(out: Buffer[], roles: string[], callback: TransformCallback): void {
    const send = () => {
      for (const piece of out) this.push(piece);
      callback();
    };
    if (roles.length === 0) send();
    else this.ensureRoles(roles).then(send, (err: Error) => callback(err));
  }

  /** The entry (as "TYPE schema.name") holding psql's line `psqlLine`, or null before the first. */
  entryAt(psqlLine: number): string | null {
    let low = 0;
    let high = this.entryStarts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.entryStarts[mid]!.line <= psqlLine) low = mid + 1;
      else high = mid;
    }
    const found = this.entryStarts[low - 1]?.entry;
    return found ? `${found.type} ${found.schema ? `${found.schema}.` : ''}${found.name}` : null;
  }

  /** Scans one whole line (held-back parts + `tail`), collecting the roles it names; whether psql gets it. */
  private scanLine(tail: Buffer, roles: string[]): boolean {
    const length = this.pendingLength + tail.length;
    const parts = this.pending;
    this.pending = [];
    this.pendingLength = 0;
    if (this.scanner.inCopy) {
      // COPY data is most of a dump: only "\." (ending it) matters, so most lines are never decoded.
      if (length > 3) {
        this.scanner.copyLine(false);
      } else {
        const line = parts.length > 0 ? Buffer.concat([...parts, tail]) : tail;
        const trimmed = line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
        this.scanner.copyLine(trimmed.equals(COPY_END));
      }
      this.lines.sentLine(null);
      return true;
    }
    const raw = (parts.length > 0 ? Buffer.concat([...parts, tail]) : tail).toString('utf8');
    const before = this.scanner.current;
    roles.push(...this.scanner.line(raw));
    const entry = this.scanner.current;
    if (entry && entry !== before && this.entryStarts.length < MAX_ENTRIES_NAMED) this.entryStarts.push({ line: this.lines.sentCount + 1, entry });
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!this.pgDumpLines.keeps(text, this.scanner)) {
      this.lines.dropped();
      return false;
    }
    this.lines.sentLine(text);
    return true;
  }
}

/** Entries remembered for naming (a dump's objects); past this, a failure is named by its line only. */
const MAX_ENTRIES_NAMED = 500_000;

export interface PlainFile {
  path: string;
  gzipped: boolean;
}

export interface PlainRestore {
  result: RunResult;
  scanner: DumpScriptScanner;
  /** Set when psql's lock refused a meta-command the dump holds: the drill's message (the backup is hostile). */
  refusal: string | null;
  /**
   * Database-level settings of a --create dump that were not restored, for the drill's evidence in the form
   * archives' skipped items take: "DATABASE PROPERTIES shop SET search_path" (the setting's name, never its value).
   */
  skipped: string[];
  /** The entry psql's line `psqlLine` belongs to ("INDEX public.evil_idx"), for naming a failed statement. */
  entryAt: (psqlLine: number) => string | null;
}

/**
 * psql -X -q -v ON_ERROR_STOP=1 into `database`, meta-commands locked. For a --create dump `database` is the
 * one it names, already created by the drill: the script's own CREATE DATABASE and \connect never reach psql.
 * Query results (set_config, setval) go to /dev/null.
 */
export async function restorePlain(
  cluster: ScratchCluster,
  file: PlainFile,
  opts: ToolBudget & {
    database: string;
    createsOwnDatabase: boolean;
    ensureRoles: (roles: string[]) => Promise<void>;
    onBytes: (bytesRead: number, detail: string | null) => void;
  },
): Promise<PlainRestore> {
  const scanner = new DumpScriptScanner();
  const feed = new ScriptFeed(scanner, opts.ensureRoles, { restrictKey: newRestrictKey(), createsOwnDatabase: opts.createsOwnDatabase });
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
  // Read as it comes: stderr is kept only up to a cap, and a dump's notices could fill it before the refusal.
  let refusal: string | null = null;
  const stderrLines = new LineSplitter((line) => {
    refusal ??= refusedMetaCommand(line, feed.lines);
  });
  // As the unprivileged restore role (drill-roles.ts), in the drill's jail: the script reaches psql on stdin.
  const result = await cluster.jail!.run(
    cluster.tool('psql'),
    [...cluster.clientArgs(RESTORE_ROLE), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-d', opts.database, '-f', '-'],
    { signal: opts.signal, timeoutMs: opts.timeoutMs, maxOutputBytes: 256 * 1024, stdinStream: feed, onStderr: (chunk) => stderrLines.push(chunk) },
  );
  stderrLines.end();
  const database = scanner.createsDatabase ?? opts.database;
  const skipped = [...feed.pgDumpLines.skippedEntries, ...feed.pgDumpLines.skippedSettings.map((setting) => `DATABASE PROPERTIES ${database} SET ${setting}`)];
  return { result, scanner, refusal, skipped, entryAt: (line) => feed.entryAt(line) };
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
