// Crafted backups for the hostile-input tests (issue 9, item 10), and what those tests need to judge a drill:
// - a "lab" per test file: a marker directory any user may write (so a payload that fires, as whichever OS
//   user, leaves its mark), a drill directory, a dump directory and a secret file;
// - a bare PostgreSQL cluster started with initdb and pg_ctl alone, NOT through ScratchCluster: it builds the
//   crafted databases and is where each payload is first proven to fire when restored the naive way (bare
//   pg_restore / psql as its superuser), so the drill code's protections can never leak into the proof;
// - payload SQL: plpgsql functions that run a program, write or read a server file, import a large object,
//   called from a CHECK constraint, an expression index or a materialized view's refresh;
// - a TCP listener on 127.0.0.1 counting connections, and the processes a drill might leave running.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { Drill, ObservedBackup } from '../../shared/model';
import { describeFailure, run, type RunResult } from '../../electron/engine/exec';
import { runDumpDrill, type DumpDrillOptions } from '../../electron/engine/drills/dump-drill';
import { quoteLiteral, sql, type RunningCluster } from './postgres-fixtures';

const PG_BIN = '/usr/lib/postgresql/15/bin';

// ---------------------------------------------------------------------------------------------------------
// the lab

export interface HostileLab {
  root: string;
  /** Mode 0777: a payload running as postgres, the drill user or root could write here. */
  markers: string;
  /** Where drills put their scratch clusters (parentDir / drillDir). */
  drills: string;
  /** Where the crafted dumps are written. */
  dumps: string;
  /** A file holding `secret`, readable by every user (so the naive restore can read it). */
  secretFile: string;
  secret: string;
  remove(): void;
}

export function hostileLab(label: string): HostileLab {
  const root = mkdtempSync(join(tmpdir(), `backup-health-test-hostile-${label}-`));
  chmodSync(root, 0o755);
  const markers = join(root, 'markers');
  const drills = join(root, 'drills');
  const dumps = join(root, 'dumps');
  for (const dir of [markers, drills, dumps]) mkdirSync(dir);
  chmodSync(markers, 0o777);
  chmodSync(drills, 0o755);
  chmodSync(dumps, 0o777); // pg_dump -Fd as root is fine, but fixtures that dump as postgres need it too
  const secret = `secret-${randomBytes(9).toString('hex')}`;
  const secretFile = join(root, 'secret.txt');
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o644 });
  return { root, markers, drills, dumps, secretFile, secret, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Files in the marker directory: empty unless some payload fired. */
export function markersIn(lab: HostileLab): string[] {
  return readdirSync(lab.markers).sort();
}

export function clearMarkers(lab: HostileLab): void {
  for (const name of readdirSync(lab.markers)) rmSync(join(lab.markers, name), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// a bare cluster, started the way a sysadmin would start one by hand

export interface BareCluster extends RunningCluster {
  readonly dataDir: string;
  readonly superuser: string;
  stop(): Promise<void>;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('running as root, but there is no postgres user to run a cluster as');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * initdb + pg_ctl start of PostgreSQL 15 in a temp dir under `parent`: trust over a unix socket in that dir, no
 * TCP listener, as postgres when run as root. Nothing of the drill code is involved.
 */
export async function startBareCluster(parent: string, settings: Record<string, string> = {}): Promise<BareCluster> {
  const dir = mkdtempSync(join(parent, 'bare-cluster-'));
  const owner = postgresUser();
  chmodSync(dir, 0o755);
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  const asOwner = { ...owner, timeoutMs: 60_000 };
  const initdb = await run(join(PG_BIN, 'initdb'), ['-A', 'trust', '-U', 'postgres', '--no-sync', '-D', dataDir], asOwner);
  if (initdb.code !== 0) throw new Error(describeFailure(initdb, 'initdb'));
  return startBareDataDir(dir, dataDir, settings);
}

/**
 * pg_ctl start of an existing data directory (initdb'd, or restored by a backup tool) as in startBareCluster,
 * as `owner` (default: postgres when run as root), who must own the data directory.
 */
export async function startBareDataDir(dir: string, dataDir: string, settings: Record<string, string> = {}, owner = postgresUser()): Promise<BareCluster> {
  const asOwner = { ...owner, timeoutMs: 60_000 };
  const options = Object.entries({ listen_addresses: "''", unix_socket_directories: dir, port: '5432', fsync: 'off', ...settings })
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const pgCtl = (args: string[]) => run(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, ...args], asOwner);
  const started = await pgCtl(['start', '-w', '-t', '30', '-l', join(dir, 'postgres.log'), '-o', options]);
  const cluster: BareCluster = {
    dir,
    dataDir,
    port: 5432,
    superuser: 'postgres',
    tool: (name) => join(PG_BIN, name),
    clientArgs: () => ['-h', dir, '-p', '5432', '-U', 'postgres'],
    async stop() {
      if (existsSync(join(dataDir, 'postmaster.pid'))) await pgCtl(['stop', '-m', 'immediate', '-w', '-t', '30']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (started.code !== 0) {
    const log = existsSync(join(dir, 'postgres.log')) ? readFileSync(join(dir, 'postgres.log'), 'utf8') : '';
    await cluster.stop();
    throw new Error(`${describeFailure(started, 'pg_ctl')}\n${log}`);
  }
  return cluster;
}

// ---------------------------------------------------------------------------------------------------------
// payloads

/**
 * A plpgsql statement running `touch <markers>/<tag>-<database>` through COPY TO PROGRAM. It copies no rows:
 * with a row to write, a `touch` that exits first made the server's write fail with a broken pipe, now and
 * then, on a busy machine.
 */
export function copyToProgram(lab: HostileLab, tag: string): string {
  return `EXECUTE format('COPY (SELECT 1 WHERE false) TO PROGRAM %L', 'touch ${lab.markers}/${tag}-' || current_database());`;
}

/** A plpgsql statement writing a server file `<markers>/<tag>-<database>` with COPY TO a path. */
export function copyToFile(lab: HostileLab, tag: string): string {
  return `EXECUTE format('COPY (SELECT 1) TO %L', '${lab.markers}/${tag}-' || current_database());`;
}

/** Reads the lab's secret file with pg_read_file into public.loot. */
export function readFileIntoLoot(lab: HostileLab): string {
  return `INSERT INTO public.loot SELECT pg_read_file(${quoteLiteral(lab.secretFile)});`;
}

/** Imports the lab's secret file as a large object, noted in public.loot. */
export function loImportIntoLoot(lab: HostileLab): string {
  return `INSERT INTO public.loot SELECT lo_import(${quoteLiteral(lab.secretFile)})::text;`;
}

export type TriggerPoint = 'check' | 'index' | 'matview';

/**
 * A TOC entry as a refusal names it: its type and name, the schema optional (pg_restore --list writes
 * "FUNCTION public evil(integer) postgres", the drill may write "FUNCTION public.evil(integer)").
 */
export function tocEntry(type: string, name: string): RegExp {
  return new RegExp(`${type} (public[. ])?${name.replace(/[()]/g, (c) => `\\${c}`)}`);
}

/** Any of these entries. */
export function anyEntry(...entries: RegExp[]): RegExp {
  return new RegExp(entries.map((e) => e.source).join('|'));
}

/** The TOC entries a drill's refusal may name for each trigger point (the payload function or its caller). */
export const TRIGGER_ENTRY: Record<TriggerPoint, RegExp> = {
  check: anyEntry(tocEntry('FUNCTION', 'evil('), tocEntry('TABLE DATA', 'checked'), tocEntry('TABLE', 'checked')),
  index: anyEntry(tocEntry('FUNCTION', 'evil('), tocEntry('FUNCTION', 'evil_imm('), tocEntry('INDEX', 'evil_idx')),
  matview: anyEntry(tocEntry('FUNCTION', 'evil('), tocEntry('MATERIALIZED VIEW DATA', 'evil_mv')),
};

/**
 * A database whose `payload` (plpgsql statements) runs whenever `point` is restored: the CHECK constraint of
 * public.checked as its rows are loaded, the expression index public.evil_idx as it is built (through an
 * IMMUTABLE wrapper, since a read-only function may not run COPY itself), or public.evil_mv's refresh.
 * public.loot (empty in the dump) is where reading payloads put what they read. `prelude` runs first (the
 * functions, languages or extensions a payload calls).
 */
export function payloadDatabaseSql(point: TriggerPoint, payload: string, prelude = ''): string {
  const common = `${prelude}
    CREATE TABLE public.loot (v text);
    CREATE TABLE public.innocent (id int PRIMARY KEY, note text);
    INSERT INTO public.innocent SELECT g, 'row ' || g FROM generate_series(1, 20) g;
    CREATE FUNCTION public.evil(x int) RETURNS boolean LANGUAGE plpgsql AS $fn$
    BEGIN
      ${payload}
      RETURN true;
    END $fn$;`;
  const trigger: Record<TriggerPoint, string> = {
    check: `CREATE TABLE public.checked (x int CHECK (public.evil(x))); INSERT INTO public.checked VALUES (1), (2);`,
    index: `CREATE FUNCTION public.evil_imm(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $fn$ BEGIN PERFORM public.evil(x); RETURN x; END $fn$;
            CREATE TABLE public.indexed (x int); INSERT INTO public.indexed VALUES (1), (2);
            CREATE INDEX evil_idx ON public.indexed ((public.evil_imm(x)));`,
    matview: `CREATE MATERIALIZED VIEW public.evil_mv AS SELECT public.evil(1) AS fired;`,
  };
  // The source's own copy of what the payload read stays out of the dump: only a restore can fill it.
  return `${common}\n${trigger[point]}\nTRUNCATE public.loot;`;
}

/** CREATE DATABASE `name`, then `script` in it. */
export async function createDatabase(cluster: RunningCluster, name: string, script: string): Promise<void> {
  await sql(cluster, `CREATE DATABASE ${name}`);
  await sql(cluster, script, name);
}

// ---------------------------------------------------------------------------------------------------------
// dumps

export type DumpFormat = 'custom' | 'directory' | 'tar' | 'plain' | 'plain-gzip';
export const ALL_FORMATS: readonly DumpFormat[] = ['custom', 'directory', 'tar', 'plain', 'plain-gzip'];

const FORMAT_ARGS: Record<DumpFormat, { args: string[]; suffix: string }> = {
  custom: { args: ['-Fc'], suffix: '.dump' },
  directory: { args: ['-Fd'], suffix: '.dir' },
  tar: { args: ['-Ft'], suffix: '.tar' },
  plain: { args: ['-Fp'], suffix: '.sql' },
  'plain-gzip': { args: ['-Fp', '-Z', '6'], suffix: '.sql.gz' },
};

/** pg_dump (run by the test's user) of `database` into lab.dumps/<name><suffix>; `extra` like ['--create']. */
export async function dump(cluster: RunningCluster, lab: HostileLab, database: string, format: DumpFormat, name = `${database}-${format}`, extra: string[] = []): Promise<string> {
  const path = join(lab.dumps, `${name}${FORMAT_ARGS[format].suffix}`);
  const result = await run(cluster.tool('pg_dump'), [...cluster.clientArgs(), ...FORMAT_ARGS[format].args, ...extra, '-f', path, database], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(describeFailure(result, 'pg_dump'));
  return path;
}

export function formatOf(path: string): DumpFormat {
  if (path.endsWith('.sql.gz')) return 'plain-gzip';
  if (path.endsWith('.sql')) return 'plain';
  if (path.endsWith('.tar')) return 'tar';
  if (path.endsWith('.dir')) return 'directory';
  return 'custom';
}

/**
 * The naive restore a sysadmin would type: into a new database `into`, bare pg_restore -d or psql -f as the
 * cluster's superuser, errors not stopping it. `create`: the dump was made with --create, so it makes its own
 * database (psql from `postgres`, pg_restore -C -d postgres) and `into` is ignored. Returns the tool's result;
 * the proof is what the payload left, not the exit code.
 */
export async function naiveRestore(cluster: RunningCluster, path: string, into: string, { create = false } = {}): Promise<RunResult> {
  const database = create ? 'postgres' : into;
  if (!create) await sql(cluster, `CREATE DATABASE ${into}`);
  const format = formatOf(path);
  if (format === 'plain' || format === 'plain-gzip') {
    const script = format === 'plain' ? readFileSync(path) : gunzipSync(readFileSync(path));
    return run(cluster.tool('psql'), [...cluster.clientArgs(), '-X', '-q', '-d', database, '-f', '-'], { input: script, timeoutMs: 60_000 });
  }
  return run(cluster.tool('pg_restore'), [...cluster.clientArgs(), ...(create ? ['-C'] : []), '-d', database, path], { timeoutMs: 60_000 });
}

/** Appends SQL before a plain dump's closing comment (psql runs it like the rest of the script). */
export function appendToPlainDump(path: string, extra: string): void {
  const text = readFileSync(path, 'utf8');
  const closing = text.lastIndexOf('--\n-- PostgreSQL database dump complete');
  if (closing < 0) throw new Error(`${path} has no closing line`);
  writeFileSync(path, `${text.slice(0, closing)}${extra}\n\n${text.slice(closing)}`);
}

// ---------------------------------------------------------------------------------------------------------
// drills and what they leave

export function backupOf(path: string): ObservedBackup {
  const info = statSync(path);
  const size = info.isDirectory() ? readdirSync(path).reduce((sum, f) => sum + statSync(join(path, f)).size, 0) : info.size;
  return { key: path, type: 'dump', finishedAt: Math.trunc(info.mtimeMs), sizeBytes: size, readable: true };
}

export function drillDump(lab: HostileLab, path: string, options: Partial<DumpDrillOptions> = {}): Promise<Drill> {
  return runDumpDrill({ sourceId: 'hostile-dumps', backup: backupOf(path), jobs: 2, checks: [], parentDir: lab.drills, timeoutMs: 120_000, ...options });
}

/** pid -> [ppid, uid, cmdline] of every process now. */
function processTable(): Map<number, { ppid: number; uid: number; cmdline: string }> {
  const table = new Map<number, { ppid: number; uid: number; cmdline: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      table.set(Number(entry), { ppid, uid, cmdline });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

export function pidsNow(): Set<number> {
  return new Set(processTable().keys());
}

/**
 * Processes started since `before` that are this test process's descendants, or whose command line mentions
 * one of `needles` (the drill dir, the marker dir): what a drill (or its payload) left running.
 */
export function processesLeftSince(before: Set<number>, needles: readonly string[]): string[] {
  const table = processTable();
  const isMine = (pid: number): boolean => {
    for (let p = table.get(pid)?.ppid, hops = 0; p && hops < 64; p = table.get(p)?.ppid, hops++) if (p === process.pid) return true;
    return false;
  };
  return [...table.entries()]
    .filter(([pid, p]) => !before.has(pid) && pid !== process.pid && (isMine(pid) || needles.some((n) => p.cmdline.includes(n))))
    .map(([pid, p]) => `${pid} (uid ${p.uid}): ${p.cmdline}`);
}

// ---------------------------------------------------------------------------------------------------------
// a listener a payload may try to reach

export interface TcpListener {
  port: number;
  /** Connections accepted since opened or reset. */
  connections(): number;
  /** Forget connections so far (those a naive restore's proof made). */
  reset(): void;
  close(): Promise<void>;
}

/** 127.0.0.1:<free port>, accepting and at once closing every connection (so a client errors, never hangs). */
export function openListener(): Promise<TcpListener> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) return reject(new Error('no port'));
      resolve({
        port: address.port,
        connections: () => count,
        reset: () => {
          count = 0;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// verdicts

/**
 * Nothing the backup tried happened: no marker, no listener connection, no process left running, no scratch
 * directory left, and the drill's message quotes neither the payload's SQL nor the secret.
 */
export function expectNothingFired(lab: HostileLab, drill: Drill, before: Set<number>, listener?: TcpListener): void {
  expect(markersIn(lab), 'a payload fired during the drill').toEqual([]);
  if (listener) expect(listener.connections(), 'the payload reached the listener').toBe(0);
  expect(processesLeftSince(before, [lab.drills, lab.markers]), 'processes outlived the drill').toEqual([]);
  expect(readdirSync(lab.drills), 'the drill left files behind').toEqual([]);
  expect(drill.message).not.toContain(lab.secret);
  expect(drill.message).not.toMatch(/TO PROGRAM|COPY \(SELECT/);
  expect(drill.message).not.toContain(lab.markers);
  // bubblewrap is installed on every machine these tests run on (.ci/run); a drill must have used it.
  if (existsSync('/usr/bin/bwrap')) expect(drill.safety?.sandboxed, 'the drill did not run in its sandbox').toBe(true);
}

/** The drill failed, saying it refused the backup's step, named by its TOC entry (`entry`). */
export function expectRefused(drill: Drill, entry: RegExp): void {
  expect(drill.outcome, drill.message).toBe('fail');
  expect(drill.message).toMatch(/refused/);
  expect(drill.message).toMatch(entry);
}
