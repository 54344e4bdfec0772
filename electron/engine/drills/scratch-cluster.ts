// A throwaway PostgreSQL cluster in a temp dir: initdb --no-sync, fsync off, no TCP listener unless asked,
// a unix socket in its own dir. Restore drills and the test suite both use it. It never touches any other
// cluster, and stop() removes every trace. A drill killed mid-way leaves an owner file behind so the next
// start-up can sweep its directory and postmaster (scratch-sweep.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../exec';
import { removeSocketDir, SCRATCH_PREFIX, socketDirFor, writeOwnerFile } from './drill-dirs';
import type { DrillJail } from './drill-jail';
import { drillRunAs, type RunAs } from './drill-user';
import { killProcessesIn, waitForProcessesIn } from './sandbox';
import { createDataDir } from './initdb-cache';
import { pickPostgresInstall, type PostgresInstall } from './postgres-install';
import { killGroup } from './scratch-sweep';

export { DRILL_DIR_PREFIXES, SCRATCH_PREFIX, writeOwnerFile } from './drill-dirs';
const SOCKET_PORT = 5432;

export interface ScratchClusterOptions {
  /** Use this installation; otherwise the newest one able to serve minMajor. */
  install?: PostgresInstall;
  minMajor?: number;
  configuredBin?: string;
  /** Parent of the cluster's temp dir (default os.tmpdir()). */
  parentDir?: string;
  /** Also listen on 127.0.0.1:tcpPort (tests that need password auth or replication over TCP). */
  tcpPort?: number;
  /** Extra server settings, e.g. { archive_mode: 'on' }. */
  settings?: Record<string, string>;
  /** Lines put before the default pg_hba.conf lines. */
  hba?: string[];
  /** What the cluster is for, recorded in the owner file. */
  purpose?: string;
  /** Where the initdb cache lives (default os.tmpdir(); see initdb-cache.ts). */
  initdbCacheDir?: string;
  /** Seconds to wait for the server to accept connections (default 30). */
  startTimeoutSec?: number;
  /**
   * A drill's cluster: it lives in the jail's directory, its postmaster runs in the jail (the drill's user, the
   * sandbox), its superuser has a random name (never `postgres`, so a dump's OWNER TO postgres owns nothing
   * special), and it runs on the drill's own configuration files, never those of a restored data directory.
   */
  jail?: DrillJail;
}

export interface ConnectionTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

/** The drill's own server configuration; a restored or cached data directory's files are never read. */
const DRILL_CONFIG_FILES = { 'postgresql.conf': '', 'pg_hba.conf': 'local all all trust\n', 'pg_ident.conf': '' };

export class ScratchCluster {
  private constructor(
    readonly install: PostgresInstall,
    /** The temp dir holding data/, the socket and the log. */
    readonly dir: string,
    private postmaster: ChildProcess | null,
    private readonly runAs: RunAs | undefined,
    readonly tcpPort: number | undefined,
    readonly jail: DrillJail | undefined,
    /** The bootstrap superuser: `postgres`, or a random name in a drill's cluster. */
    private superuserName = 'postgres',
    /** Where the socket is: `dir`, unless that path is too long for a unix socket (drill-dirs.ts). */
    readonly socketDir = jail?.socketDir ?? socketDirFor(dir, runAs),
  ) {}

  get superuser(): string {
    return this.superuserName;
  }
  get dataDir(): string {
    return join(this.dir, 'data');
  }
  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }
  get port(): number {
    return this.tcpPort ?? SOCKET_PORT;
  }
  /** uid/gid to run client tools as when they must create files the server reads (or undefined). */
  get owner(): RunAs | undefined {
    return this.runAs;
  }

  target(database = 'postgres', user = this.superuserName): ConnectionTarget {
    return { host: this.socketDir, port: this.port, user, database };
  }

  /** Arguments for psql, pg_restore, pg_dump: ['-h', socketDir, '-p', port, '-U', user]. */
  clientArgs(user = this.superuserName): string[] {
    return ['-h', this.socketDir, '-p', String(this.port), '-U', user];
  }

  tool(name: string): string {
    return join(this.install.bin, process.platform === 'win32' ? `${name}.exe` : name);
  }

  static async start(options: ScratchClusterOptions = {}): Promise<ScratchCluster> {
    const install = options.install ?? (await pickPostgresInstall({ minMajor: options.minMajor, configuredBin: options.configuredBin }));
    const runAs = options.jail ? options.jail.runAs : drillRunAs();
    const dir = options.jail?.dir ?? ScratchCluster.makeDir(options, runAs);
    const cluster = new ScratchCluster(install, dir, null, runAs, options.tcpPort, options.jail);
    try {
      await cluster.initdb(options.hba ?? [], options.initdbCacheDir ?? tmpdir());
      await cluster.startServer(options);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /**
   * A cluster whose data directory is written by `fill` (a physical restore, e.g. pgbackrest restore) instead
   * of initdb: the same temp dir, owner file, sweep and stop() as start(). `fill` gets the cluster before its
   * server runs, with dataDir created empty (mode 0700, owned by the cluster's user); the settings it returns
   * are added to options.settings, and `superuser` names the restored cluster's own superuser. If fill or the
   * start fails, everything is removed and the error thrown.
   */
  static async startFromDataDir(
    options: ScratchClusterOptions & { install: PostgresInstall },
    fill: (cluster: ScratchCluster) => Promise<Record<string, string> | void>,
  ): Promise<ScratchCluster> {
    const runAs = options.jail ? options.jail.runAs : drillRunAs();
    const dir = options.jail?.dir ?? ScratchCluster.makeDir(options, runAs);
    const cluster = new ScratchCluster(options.install, dir, null, runAs, options.tcpPort, options.jail);
    try {
      mkdirSync(cluster.dataDir, { mode: 0o700 });
      if (runAs) chownSync(cluster.dataDir, runAs.uid, runAs.gid);
      const settings = (await fill(cluster)) ?? {};
      await cluster.startServer({ ...options, settings: { ...options.settings, ...settings } });
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** Names the superuser to connect as, once a physical restore says who it is. */
  useSuperuser(name: string): void {
    this.superuserName = name;
  }

  /** The temp dir with its owner file (what the start-up sweep reads), owned by the cluster's user. */
  private static makeDir(options: ScratchClusterOptions, runAs: RunAs | undefined): string {
    const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), SCRATCH_PREFIX));
    writeOwnerFile(dir, options.purpose ?? 'scratch');
    if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    return dir;
  }

  /** start(), run fn, and always stop. */
  static async with<T>(options: ScratchClusterOptions, fn: (cluster: ScratchCluster) => Promise<T>): Promise<T> {
    const cluster = await ScratchCluster.start(options);
    try {
      return await fn(cluster);
    } finally {
      await cluster.stop();
    }
  }

  private async initdb(hba: string[], cacheDir: string): Promise<void> {
    try {
      this.superuserName = await createDataDir(this.install, cacheDir, this.dataDir, this.runAs, this.jail ? 'random' : 'postgres');
    } catch (err) {
      throw new Error(`could not create a scratch cluster in ${this.dir}: ${(err as Error).message}`);
    }
    if (hba.length > 0) {
      const file = join(this.dataDir, 'pg_hba.conf');
      writeFileSync(file, `${hba.join('\n')}\n${readFileSync(file, 'utf8')}`);
      if (this.runAs) chownSync(file, this.runAs.uid, this.runAs.gid);
    }
  }

  /**
   * A drill's cluster runs on files written here, beside (not in) the data directory: postgresql.conf (empty:
   * every setting is on the command line), pg_hba.conf (trust on the socket only), pg_ident.conf; and the data
   * directory's postgresql.auto.conf is emptied. A restored postgresql.conf with its include directives,
   * preload libraries, passphrase or archive commands is never read.
   */
  private writeDrillConfig(): Record<string, string> {
    for (const [name, text] of Object.entries(DRILL_CONFIG_FILES)) {
      const file = join(this.dir, name);
      writeFileSync(file, text, { mode: 0o600 });
      if (this.runAs) chownSync(file, this.runAs.uid, this.runAs.gid);
    }
    const auto = join(this.dataDir, 'postgresql.auto.conf');
    if (existsSync(auto)) truncateSync(auto);
    return { config_file: join(this.dir, 'postgresql.conf'), hba_file: join(this.dir, 'pg_hba.conf'), ident_file: join(this.dir, 'pg_ident.conf') };
  }

  private async startServer(options: ScratchClusterOptions): Promise<void> {
    const settings: Record<string, string> = {
      // PostgreSQL's "non-durable settings": a drill's data is thrown away anyway.
      fsync: 'off',
      full_page_writes: 'off',
      synchronous_commit: 'off',
      listen_addresses: options.tcpPort ? '127.0.0.1' : '',
      port: String(this.port),
      unix_socket_directories: this.socketDir,
      max_connections: '50',
      logging_collector: 'off',
      ...options.settings,
      ...(this.jail ? this.writeDrillConfig() : {}),
    };
    const args = ['-D', this.dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const log = openSync(this.logFile, 'a');
    if (this.runAs) chownSync(this.logFile, this.runAs.uid, this.runAs.gid);
    const spawnAs = this.jail ? this.jail.spawnArgs(this.tool('postgres'), args) : { command: this.tool('postgres'), args, ...this.runAs };
    try {
      // detached: the postmaster gets its own process group, so a Ctrl-C in a terminal reaches us first and
      // stop() shuts it down cleanly; if we are killed outright, the owner file lets start-up sweep it (and a
      // sandboxed one dies with us: bubblewrap's --die-with-parent).
      this.postmaster = spawn(spawnAs.command, spawnAs.args, { stdio: ['ignore', log, log], detached: true, env: 'env' in spawnAs ? spawnAs.env : process.env, uid: spawnAs.uid, gid: spawnAs.gid });
    } finally {
      closeSync(log);
    }
    const exited = new Promise<number | null>((resolve) => this.postmaster!.once('exit', (code) => resolve(code)));
    // A binary that cannot start (missing, not executable) exits at once, with its reason in the log.
    this.postmaster.once('error', (err) => {
      appendFileSync(this.logFile, `could not start postgres: ${err.message}\n`);
      exitCode ??= -1;
    });
    const deadline = Date.now() + (options.startTimeoutSec ?? 30) * 1000;
    let exitCode: number | null | undefined;
    void exited.then((c) => (exitCode = c));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) break;
      if (this.isReady()) return;
      await sleep(20);
    }
    // The reason is the last FATAL or PANIC line (a refused WAL file, a damaged control file); what follows it
    // is only the shutdown.
    const fatal = this.lastFatal();
    const tail = [fatal, this.logTail()].filter(Boolean).join(' | ');
    throw new Error(
      exitCode !== undefined
        ? `scratch PostgreSQL ${this.install.major} did not start (exit code ${exitCode})${tail ? `: ${tail}` : ''}`
        : `scratch PostgreSQL ${this.install.major} was not ready after ${options.startTimeoutSec ?? 30}s${tail ? `: ${tail}` : ''}`,
    );
  }

  /** postmaster.pid's 8th line is the server's status; "ready" once it accepts connections. */
  private isReady(): boolean {
    try {
      const lines = readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n');
      return lines[7]?.trim() === 'ready';
    } catch {
      return false;
    }
  }

  /** The server log's last FATAL or PANIC line, or ''. */
  private lastFatal(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').filter((line) => /\b(FATAL|PANIC):/.test(line)).at(-1)?.trim() ?? '';
    } catch {
      return '';
    }
  }

  /** The last lines of the server log, for error messages. */
  logTail(lines = 3): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join(' | ');
    } catch {
      return '';
    }
  }

  /**
   * Immediate shutdown (the data is thrown away), then remove the directory. Safe to call twice. A sandboxed
   * postmaster is killed with its sandbox: bubblewrap does not pass SIGQUIT on, and killing it takes down
   * every process of the sandbox's pid namespace.
   */
  async stop(): Promise<void> {
    const postmaster = this.postmaster;
    this.postmaster = null;
    if (postmaster && postmaster.exitCode === null && postmaster.signalCode === null) {
      const exited = new Promise<void>((resolve) => postmaster.once('exit', () => resolve()));
      postmaster.kill(this.jail?.sandbox.active ? 'SIGKILL' : 'SIGQUIT');
      const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        killGroup(postmaster.pid, 'SIGKILL');
        await exited;
      }
      if (this.jail?.sandbox.active) {
        await waitForProcessesIn(this.dir, { timeoutMs: 2000 });
        killProcessesIn(this.dir); // a sandbox whose parent died before it armed its parent-death signal
        await waitForProcessesIn(this.dir, { timeoutMs: 2000 });
      }
    }
    // Backends exit with the postmaster; a straggler would keep files open but cannot stop the removal.
    removeSocketDir(this.socketDir, this.dir);
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Run a client tool (psql, pg_dump, pg_restore...) of the cluster's installation against it. */
export async function runClient(cluster: ScratchCluster, tool: string, args: string[], opts: Parameters<typeof run>[2] = {}) {
  return run(cluster.tool(tool), [...cluster.clientArgs(), ...args], opts);
}
