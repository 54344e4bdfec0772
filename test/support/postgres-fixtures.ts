// Real PostgreSQL for tests, built on ScratchCluster (the same code restore drills use):
// - testParentDir(): one temp parent per test file, so the file can prove it left no cluster behind;
// - startTcpCluster(): a cluster on a free 127.0.0.1 port, scram-sha-256 over TCP, a `monitor` role with a password;
// - sql(): run SQL through the cluster's own psql over its unix socket (trust, as postgres);
// - startStandby(): a streaming standby made with pg_basebackup -R from such a cluster;
// - waitFor(), freePort(), probeContext(): polling, ports, and a ProbeContext for any probe.
// Every started cluster must be stopped (afterAll / finally); stop() removes its directory.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateConfig, type Config } from '../../shared/config';
import { run, describeFailure } from '../../electron/engine/exec';
import { runClient, ScratchCluster, SCRATCH_PREFIX, type ScratchClusterOptions } from '../../electron/engine/drills/scratch-cluster';
import type { ProbeContext } from '../../electron/engine/sources/probe';

export const MONITOR_USER = 'monitor';

/** A TCP port nothing listens on right now (the OS picks it; it may be taken again later, so use it soon). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A fresh parent directory for this test file's clusters (pass it as parentDir). The postgres user must be able
 * to walk into it, hence 0755. At the end: expect(scratchDirsIn(parent)).toEqual([]), then removeTestParentDir.
 */
export function testParentDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `backup-health-test-${label}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** ScratchCluster directories (live or leaked) inside parentDir. */
export function scratchDirsIn(parentDir: string): string[] {
  return readdirSync(parentDir).filter((name) => name.startsWith(SCRATCH_PREFIX));
}

export function removeTestParentDir(parentDir: string): void {
  rmSync(parentDir, { recursive: true, force: true });
}

/** What sql() and startStandby() need of a cluster: ScratchCluster, or a Standby from startStandby(). */
export interface RunningCluster {
  readonly dir: string;
  readonly port: number;
  tool(name: string): string;
  clientArgs(): string[];
}

/**
 * Run SQL as the postgres superuser through the cluster's own psql over its unix socket (what runClient does,
 * but also for a Standby); returns stdout (unaligned, tuples only,
 * trimmed). The script is fed on stdin, so statements like CREATE DATABASE run outside a transaction. Throws
 * with psql's error on failure.
 */
/** A client tool of the cluster's installation (psql, pg_dump, …) run against it; throws with its error. */
export async function clientOrThrow(cluster: ScratchCluster, tool: string, args: string[]): Promise<void> {
  const result = await runClient(cluster, tool, args);
  if (result.code !== 0) throw new Error(describeFailure(result, tool));
}

export async function sql(cluster: RunningCluster, script: string, database = 'postgres'): Promise<string> {
  const result = await run(cluster.tool('psql'), [...cluster.clientArgs(), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', database, '-f', '-'], {
    input: script,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`SQL failed on ${cluster.dir}: ${describeFailure(result, 'psql')}\n${result.stderr.trim()}\n${script}`);
  return result.stdout.trim();
}

export interface TcpClusterOptions extends Omit<ScratchClusterOptions, 'tcpPort'> {
  /** Password of the `monitor` role (default: random). */
  monitorPassword?: string;
  /** Make `monitor` a member of pg_monitor, as the README tells users to (default true). */
  grantPgMonitor?: boolean;
  /** Allow `postgres` to replicate over TCP without a password (for pg_basebackup / standbys). */
  allowReplication?: boolean;
}

export interface TcpCluster {
  cluster: ScratchCluster;
  port: number;
  monitorPassword: string;
  /** postgres://monitor@127.0.0.1:port/database, with no password in it (as the config requires). */
  url(database?: string): string;
}

/**
 * A ScratchCluster also listening on 127.0.0.1:<free port>, where every TCP login needs a scram-sha-256 password
 * (hba lines placed before the trust defaults; the unix socket stays trust for sql()), and a LOGIN role `monitor`.
 * Retries with another port if the one picked was taken in between.
 */
export async function startTcpCluster(options: TcpClusterOptions = {}): Promise<TcpCluster> {
  const { monitorPassword = randomBytes(12).toString('base64url'), grantPgMonitor = true, allowReplication = false, ...scratch } = options;
  // First match wins: the caller's own lines, then ours, then initdb's trust defaults.
  const hba = [
    ...(scratch.hba ?? []),
    ...(allowReplication ? ['host replication postgres 127.0.0.1/32 trust'] : []),
    'host all all 127.0.0.1/32 scram-sha-256',
  ];
  let cluster: ScratchCluster | undefined;
  for (let attempt = 1; !cluster; attempt++) {
    const port = await freePort();
    try {
      cluster = await ScratchCluster.start({ purpose: 'test', ...scratch, hba, tcpPort: port });
    } catch (err) {
      if (attempt >= 3 || !/could not (bind|create listen)|already in use/i.test(String(err))) throw err;
    }
  }
  try {
    await sql(
      cluster,
      `CREATE ROLE ${MONITOR_USER} LOGIN PASSWORD ${quoteLiteral(monitorPassword)};
       ${grantPgMonitor ? `GRANT pg_monitor TO ${MONITOR_USER};` : ''}`,
    );
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const port = cluster.port;
  return { cluster, port, monitorPassword, url: (database = 'postgres') => `postgres://${MONITOR_USER}@127.0.0.1:${port}/${database}` };
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A streaming standby. Its directory is a scratch dir (same prefix and owner file), so the start-up sweep covers it. */
export interface Standby extends RunningCluster {
  readonly dataDir: string;
  readonly logFile: string;
  /** The application_name it streams under (its cluster_name). */
  readonly name: string;
  stop(): Promise<void>;
}

export interface StandbyOptions {
  parentDir?: string;
  /** cluster_name, which becomes application_name in the primary's pg_stat_replication. */
  name?: string;
  /** Extra settings, e.g. { recovery_min_apply_delay: '3s' }. */
  settings?: Record<string, string>;
}

/**
 * pg_basebackup -R from `primary` (started with allowReplication) into a new scratch dir, then start it with
 * pg_ctl as the postgres user, listening on 127.0.0.1:<free port> as well as its own socket.
 * ScratchCluster always initdb's a fresh cluster, so the standby cannot be one; it mirrors its layout instead.
 */
export async function startStandby(primary: ScratchCluster, options: StandbyOptions = {}): Promise<Standby> {
  const owner = primary.owner;
  const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), SCRATCH_PREFIX));
  writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), purpose: 'test standby' }));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const name = options.name ?? 'standby';
  const port = await freePort();
  const asOwner = { ...owner, timeoutMs: 60_000 };
  const pgCtl = (args: string[]) => run(primary.tool('pg_ctl'), ['-D', dataDir, ...args], asOwner);
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      const result = await pgCtl(['stop', '-m', 'immediate', '-w', '-t', '30']);
      if (result.code !== 0) throw new Error(`could not stop the standby in ${dir}: ${describeFailure(result, 'pg_ctl')}`);
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    const backup = await run(
      primary.tool('pg_basebackup'),
      ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
      asOwner,
    );
    if (backup.code !== 0) throw new Error(`pg_basebackup from ${primary.dir} failed: ${describeFailure(backup, 'pg_basebackup')}`);
    const settings: Record<string, string> = {
      port: String(port),
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      cluster_name: name,
      fsync: 'off',
      full_page_writes: 'off',
      logging_collector: 'off',
      ...options.settings,
    };
    // Appended to postgresql.conf; pg_basebackup -R put primary_conninfo in postgresql.auto.conf.
    appendFileSync(join(dataDir, 'postgresql.conf'), Object.entries(settings).map(([k, v]) => `${k} = ${quoteLiteral(v)}\n`).join(''));
    started = true;
    const start = await pgCtl(['start', '-w', '-t', '30', '-l', logFile]);
    if (start.code !== 0) throw new Error(`the standby in ${dir} did not start: ${describeFailure(start, 'pg_ctl')}`);
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return {
    dir,
    dataDir,
    logFile,
    name,
    port,
    tool: (tool) => primary.tool(tool),
    clientArgs: () => ['-h', dir, '-p', String(port), '-U', 'postgres'],
    stop,
  };
}

/** Poll `check` until it returns something other than undefined/false/null; fail with `what` after timeoutMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, { timeoutMs = 20_000, intervalMs = 100 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(intervalMs);
  }
}

/** A ProbeContext with the default config, as the engine would pass; the signal never fires unless given. */
export function probeContext(overrides: Partial<ProbeContext> = {}): ProbeContext {
  const parsed = validateConfig({});
  if (!parsed.ok) throw new Error('the empty config does not validate');
  const config: Config = parsed.config;
  return { signal: new AbortController().signal, timeoutMs: 10_000, config, now: () => Date.now(), ...overrides };
}
