// Planning a restore drill: everything that can be learnt about a backup before a scratch cluster starts,
// so that the failures that need no cluster (not a pg_dump, too new for the binaries here, no binaries at
// all, a TOC pg_restore cannot read, a disk too small) cost milliseconds, not a cluster start.
import { statfsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DumpHeader, ObservedBackup } from '../../../shared/model';
import { formatBytes } from '../../../shared/units';
import { describeFailure, type RunResult } from '../exec';
import { readDirectoryDumpHeader, readDumpFileHeader } from '../pg-dump/dump-files';
import { DumpScriptScanner } from '../pg-dump/script';
import { checkDirectoryMembers, stageForDrill } from './backup-staging';
import type { DrillJail } from './drill-jail';
import { extensionOf, type WantedExtension } from './drill-roles';
import { LineSplitter, type TocEntry } from '../pg-dump/toc';
import type { PostgresInstall } from './postgres-install';
import { listArchive, scanArchiveSchema, type ArchiveFile } from './restore-archive';
import { chooseRestoreInstall, restoreRequirement } from './restore-binaries';
import { classifyRestoreOutput } from './restore-errors';
import { readScriptHead, type PlainFile } from './restore-plain';

/** Measured: a fresh PostgreSQL 15 cluster (initdb) takes 39 MB, 22 MB of it base/ and 17 MB pg_wal/. */
export const EMPTY_CLUSTER_BYTES = 40 * 1024 * 1024;
/** Databases every cluster has that a dump cannot be restored over. */
const TEMPLATE_DATABASES = new Set(['template0', 'template1']);

import { DrillStop, drillError, fail } from './drill-stop';

export { DrillStop, drillError, fail };

export interface PlanOptions {
  backup: ObservedBackup;
  /** Where the drill's tools run (its directory, user and sandbox). */
  jail: DrillJail;
  /** Progress of copying a backup the drill's user cannot read into the drill's directory. */
  onStagedBytes?: (bytes: number) => void;
  /**
   * Called as soon as the installation is known, with the bytes the backup will restore from (for the free
   * space check): the drill starts its scratch cluster then, while the archive's TOC and schema are read.
   */
  onInstall?: (install: PostgresInstall, dumpBytes: number) => void;
  postgresBin?: string;
  searchDirs?: readonly string[];
}

export interface ToolTime {
  signal: AbortSignal;
  /** Time left for a tool. */
  remaining: () => number;
}

/** What a restore of this backup needs. */
export interface RestorePlan {
  install: PostgresInstall;
  archive?: ArchiveFile;
  plain?: PlainFile;
  /** Archives: items in the TOC. Plain: bytes in the file. */
  total: number;
  /** Archives: from the schema script. Plain: replaced by the one that scanned the stream. */
  scanner: DumpScriptScanner;
  /** A plain --create dump: it names its database, which the drill creates and restores into. */
  createsOwnDatabase: boolean;
  /** The database restored into: the dumped one's name when known. */
  database: string;
  /** Archives: the items of the table of contents (restore-list.ts leaves out the superuser-only ones). */
  entries: TocEntry[];
  /** Extensions the dump creates (archives: all of them; plain: those at its start, where pg_dump puts them). */
  extensions: WantedExtension[];
  /** Archives: LEAKPROOF functions, which only a superuser may define (skipped and reported). */
  leakproof: string[];
}

/**
 * Everything that can be found out before a cluster starts: whether the file is a pg_dump at all, which
 * binaries can restore it (or what to install), the archive's TOC and schema, the target database.
 */
export async function planRestore(options: PlanOptions, budget: ToolTime): Promise<RestorePlan> {
  const path = options.backup.key;
  const name = basename(path);
  let isDirectory: boolean;
  let size: number;
  try {
    const info = await stat(path);
    isDirectory = info.isDirectory();
    size = info.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw drillError(code === 'ENOENT' ? `the backup ${path} is gone (deleted or rotated away since it was seen)` : `cannot read the backup ${path}: ${code ?? (err as Error).message}`);
  }
  const reading = isDirectory ? await readDirectoryDumpHeader(path) : await readDumpFileHeader(path, size);
  const header = reading.header;
  const requirement = restoreRequirement(header);
  if (!reading.readable) {
    if (/-compressed file: /.test(reading.problem ?? '')) throw drillError(`${name}: ${reading.problem}; decompress it first, or let pg_dump compress (-Fc, -Z)`);
    // An archive too new for us to parse is still a question of binaries, answered below.
    if (requirement.readerMajor === undefined) throw fail(`${name} is not a restorable pg_dump backup: ${reading.problem ?? 'unreadable'}`);
  }
  if (reading.clusterDump) throw drillError(`${name} is a pg_dumpall script of a whole cluster; drills restore one database's pg_dump`);

  const format = header.format;
  const isArchive = format === 'custom' || format === 'directory' || format === 'tar';
  const chosen = await chooseRestoreInstall(requirement, isArchive ? ['pg_restore'] : ['psql'], { configuredBin: options.postgresBin, searchDirs: options.searchDirs });
  if (!chosen.ok) throw drillError(chosen.message);
  if (!reading.readable) throw fail(`${name} is not a restorable pg_dump backup: ${reading.problem ?? 'unreadable'}`);
  const install = chosen.install;
  const gzipped = !isDirectory && (await startsWithGzipMagic(path));
  // A restored database is rarely smaller than its dump; compressed dumps expand several times.
  options.onInstall?.(install, Math.max(options.backup.sizeBytes, (format === 'plain' || format === 'plain-gzip') && !gzipped ? size : 0));

  if (isArchive) {
    if (isDirectory) await checkDirectoryMembers(path);
    // pg_restore reads a gzipped archive from its stdin (streamed by us); anything else from the file itself.
    const readable = gzipped ? path : await stageForDrill(options.jail, path, isDirectory, options.onStagedBytes);
    const archive: ArchiveFile = { path: readable, format, gzipped };
    const pgRestore = join(install.bin, process.platform === 'win32' ? 'pg_restore.exe' : 'pg_restore');
    const toc = await listArchive(options.jail, pgRestore, archive, { signal: budget.signal, timeoutMs: budget.remaining() });
    if (budget.signal.aborted) throw drillError('aborted');
    if (toc.result.code !== 0) throw unreadableArchive(name, toc.result, header);
    const schema = await scanArchiveSchema(options.jail, pgRestore, archive, { signal: budget.signal, timeoutMs: budget.remaining() });
    if (budget.signal.aborted) throw drillError('aborted');
    if (schema.result.code !== 0) throw unreadableArchive(name, schema.result, header);
    const database = targetDatabase(header.dbName ?? toc.listing.dbName);
    return { install, archive, total: toc.listing.entries.length, scanner: schema.scanner, createsOwnDatabase: false, database, entries: toc.listing.entries, extensions: schema.extensions, leakproof: schema.leakproof };
  }
  if (format === 'plain' || format === 'plain-gzip') {
    const plain: PlainFile = { path, gzipped: format === 'plain-gzip' || gzipped };
    // The start of the script says whether it creates its own database (--create) and its encoding.
    const head = new DumpScriptScanner();
    const extensions: WantedExtension[] = [];
    const lines = new LineSplitter((line) => {
      head.line(line);
      const extension = extensionOf(line);
      if (extension) extensions.push(extension);
    });
    lines.push(await readScriptHead(plain));
    // The drill creates a --create dump's database itself and restores into it (never into a template, whatever
    // the dump names): the script's own CREATE DATABASE and \connect are dropped on the way to psql.
    const createsOwnDatabase = head.createsDatabase !== null;
    const database = targetDatabase(head.createsDatabase ?? undefined);
    const scanner = new DumpScriptScanner();
    scanner.encoding = head.encoding;
    return { install, plain, total: size, scanner, createsOwnDatabase, database, entries: [], extensions, leakproof: [] };
  }
  throw fail(`${name} is not a restorable pg_dump backup: ${reading.problem ?? `format ${format}`}`);
}

/** The database to restore into: the dumped one's name, unless it is a template (or unknown). */
function targetDatabase(dbName: string | undefined): string {
  return dbName && !TEMPLATE_DATABASES.has(dbName) ? dbName : 'restored';
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(2);
    const { bytesRead } = await handle.read(bytes, 0, 2, 0);
    return bytesRead === 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** pg_restore could not even read the TOC: a cut or corrupt archive, or one too new for it. */
function unreadableArchive(name: string, result: RunResult, header: DumpHeader): DrillStop {
  const problem = classifyRestoreOutput(result.stderr);
  if (result.spawnError || result.timedOut) return drillError(describeFailure(result, 'pg_restore'));
  if (problem?.kind === 'unsupported-version') {
    return drillError(`${name} needs a newer pg_restore: ${problem.line} (made by pg_dump ${header.pgDumpVersion ?? 'of an unknown version'})`);
  }
  const why = problem?.line ?? describeFailure(result, 'pg_restore');
  return fail(`the table of contents of ${name} cannot be read, so the archive is truncated or corrupt: ${why}`);
}

/** Fails fast when the disk clearly cannot hold even an empty cluster plus the backup's own size. */
export function checkFreeSpace(parentDir: string, dumpBytes: number): void {
  let free: number;
  try {
    const fs = statfsSync(parentDir);
    free = fs.bavail * fs.bsize;
  } catch (err) {
    throw drillError(`cannot use ${parentDir} for the scratch cluster: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const needed = EMPTY_CLUSTER_BYTES + dumpBytes;
  if (free < needed) {
    throw drillError(
      `not enough free space in ${parentDir} to restore: ${formatBytes(free)} free, at least ${formatBytes(needed)} needed (${formatBytes(EMPTY_CLUSTER_BYTES)} for an empty cluster plus the ${formatBytes(dumpBytes)} backup); free some space or set the drill directory elsewhere`,
    );
  }
}
