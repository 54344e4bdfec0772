// A real Barman 3.4 setup for tests: a scratch primary allowing replication, and a Barman configuration in a
// temp dir (barman -c <root>/barman.conf) with one server, backup_method = postgres and WAL streamed by
// `barman receive-wal` through a replication slot (streaming_archiver = on, archiver = off: a streaming-only
// server, the setup of Barman issue #87). Tests take backups with `barman backup --wait` (DONE), write rows
// between them, force a segment out with pg_switch_wal() and run `barman archive-wal` until xlog.db lists it,
// so they know the truth an observation or a drill is checked against: each backup's id and backup.info, the
// segments in xlog.db, and the time of the last commit (track_commit_timestamp).
//
// Who owns what: the cluster, barman_home and everything Barman writes belong to the cluster's user
// (backup-health-drill when the tests run as root, the current user when not). barman_user is that user: run
// as root, barman switches to it itself; run as that user, it stays. The config file is 0644.
//
// Options: backup_compression (serverSettings, or reconfigure() between backups) and backup_method = rsync over
// the test sshd (rsyncOver).
//
// On disk (Barman 3.4, backup_method = postgres, no backup compression):
//   <home>/<server>/base/<backup id>/backup.info   key=value lines (begin_wal, end_wal, timeline, status, …)
//   <home>/<server>/base/<backup id>/data/         the base backup: a plain PGDATA tree (pg_basebackup -Fp)
//     with backup_compression = gzip|lz4|zstd: base.tar.<gz|lz4|zst>, <oid>.tar.<…>, backup_manifest (no pg_wal.tar)
//     with backup_method = rsync: an rsync copy of PGDATA (pg_wal empty, no manifest, no pg_tblspc links), its
//     backup_label written by Barman and kept in backup.info (mode rsync-concurrent)
//   <home>/<server>/base/<backup id>/<oid>/        a tablespace (empty when compressed: its tar file is in data/)
//   <home>/<server>/wals/xlog.db                   name<TAB>size<TAB>time<TAB>compression per WAL file
//   <home>/<server>/wals/<first 16 hex>/<segment>  each segment, compressed WITHOUT a suffix when compression is set
//   <home>/<server>/wals/<8 hex>.history           timeline history files
//   <home>/<server>/streaming/                     pg_receivewal's working directory (.partial)
//
// Faults: a FAILED backup (a pre_backup_retry_script that aborts it, the way Barman's ABORT_STOP does), a
// WAITING_FOR_WALS backup (receive-wal paused while it runs), receive-wal stopped (`barman check` fails on
// receive_wal_running), and a WAL file removed from the archive. stop() stops receive-wal and the cluster and
// removes <root>.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { validateConfig, type BarmanSourceConfig } from '../../shared/config';
import type { Drill } from '../../shared/model';
import { describeFailure, run, type RunResult } from '../../electron/engine/exec';
import { DRILL_USER } from '../../electron/engine/drills/drill-user';
import type { ScratchCluster } from '../../electron/engine/drills/scratch-cluster';
import { runBarmanDrill } from '../../electron/engine/sources/barman/drill';
import { barmanWalPath, parseXlogDb, type BarmanWalFile } from '../../electron/engine/sources/barman/xlogdb';
import { quoteLiteral, scratchDirsIn, sql, startTcpCluster, waitFor } from './postgres-fixtures';
import { postgresProcessesUsing } from './processes';
import type { TestSshd } from './sshd';

export interface BarmanSetupOptions {
  parentDir: string;
  /** The server's name in the config (default pg-orders). */
  server?: string;
  /** Barman's `compression` for WAL files (default none): they are then stored compressed, without a suffix. */
  compression?: 'gzip' | 'bzip2';
  /** Extra lines for the server's section (key = value), e.g. backup_compression = gzip (tar files in data/). */
  serverSettings?: Record<string, string>;
  /**
   * backup_method = rsync, reaching the primary's data directory over ssh through this sshd (test/support/sshd.ts):
   * its client key and known_hosts are copied into <root>/ssh for barman_user, who runs ssh. Concurrent backups
   * (Barman's default backup_options), the only kind PostgreSQL 15 takes.
   */
  rsyncOver?: Pick<TestSshd, 'host' | 'sshOptions'>;
}

/** What Barman wrote of one backup, read from its backup.info (not through the code under test). */
export interface BarmanBackupFacts {
  id: string;
  /** <home>/<server>/base/<id> */
  dir: string;
  /** <dir>/data: the PGDATA tree. */
  dataDir: string;
  status: string;
  beginWal: string;
  endWal: string;
  beginLsn: string;
  endLsn: string;
  timeline: number;
  /** backup.info `size` (bytes of the base backup). */
  sizeBytes: number;
  /** Date.now() just before and after `barman backup` ran. */
  startedAfter: number;
  finishedBefore: number;
}

export interface BarmanSwitchedSegment {
  /** The segment pg_switch_wal() closed, now listed in xlog.db. */
  segment: string;
  /** Time of the last commit before the switch (ms since the epoch), from pg_last_committed_xact(). */
  lastCommitAt: number;
}

export interface BarmanSetup {
  /** <root>: barman.conf, barman.log, home/. */
  root: string;
  server: string;
  /** <root>/barman.conf: the source's configPath. */
  configPath: string;
  /** barman_home; the server's directory is <home>/<server>. */
  home: string;
  /** <home>/<server>/base */
  basebackupsDirectory: string;
  /** <home>/<server>/wals (holds xlog.db) */
  walsDirectory: string;
  /** barman_user, who owns every file Barman writes. */
  barmanUser: string;
  compression: string | null;
  primary: ScratchCluster;
  /** The primary's 127.0.0.1 port and monitor password, for a linked postgres source. */
  port: number;
  monitorPassword: string;
  /** Every backup taken with backup(), oldest first. */
  readonly backups: BarmanBackupFacts[];
  /** `barman -c <configPath> <args…>` (text output); the result, whatever its exit code. */
  barman(args: readonly string[]): Promise<RunResult>;
  /** Starts `barman receive-wal <server>` in the background and waits until its slot is active. */
  startReceiveWal(): Promise<void>;
  /** `barman receive-wal --stop`, then waits until the process has gone (killed after 30 s) and the slot is idle. */
  stopReceiveWal(): Promise<void>;
  /** Insert `rows` rows into public.orders (created on first use) in one transaction. */
  writeLoad(rows?: number): Promise<void>;
  /** pg_switch_wal(), then `barman archive-wal` until xlog.db lists the closed segment. */
  switchWal(): Promise<BarmanSwitchedSegment>;
  /** `barman backup --wait`: throws unless the new backup is DONE. */
  backup(): Promise<BarmanBackupFacts>;
  /** xlog.db, parsed. */
  xlogDb(): BarmanWalFile[];
  /** The segments xlog.db lists (24 hex digits), in its order. */
  xlogSegments(): string[];
  /** Where Barman keeps `name` (wals/<hash dir>/<name>). */
  walPath(name: string): string;
  /** backup.info of a backup, as key -> raw value. */
  backupInfo(id: string): Record<string, string>;
  /** Changes (or adds) lines of the server's section for the backups taken from now on (e.g. backup_compression). */
  reconfigure(settings: Record<string, string>): void;
  faults: {
    /** A backup that ends FAILED (pre_backup_retry_script exits 63, ABORT_STOP); returns its id and backup.info error. */
    failedBackup(): Promise<{ id: string; error: string }>;
    /** A backup taken while receive-wal is paused, left WAITING_FOR_WALS (until `barman cron` finds its WAL); returns its id. */
    waitingForWalsBackup(): Promise<string>;
    /**
     * Remove a segment file from the archive (default: a middle one of xlog.db's segments). Its xlog.db line is
     * removed too (default), as `barman rebuild-xlogdb` would leave it: Barman's own listing then has the gap, which
     * is what the observation judges. keepXlogDbLine: the line stays, xlog.db claiming a file that is gone (what a
     * drill fetching the file must notice). Returns the segment.
     */
    removeWal(options?: { segment?: string; keepXlogDbLine?: boolean }): string;
  };
  stop(): Promise<void>;
}

const SEGMENT_NAME = /^[0-9A-F]{24}$/;
const SLOT = 'barman_test';

export async function startBarmanSetup(options: BarmanSetupOptions): Promise<BarmanSetup> {
  const server = options.server ?? 'pg-orders';
  const tcp = await startTcpCluster({
    parentDir: options.parentDir,
    purpose: 'barman test',
    allowReplication: true,
    settings: { wal_level: 'replica', max_wal_senders: '6', max_replication_slots: '4', track_commit_timestamp: 'on' },
  });
  const primary = tcp.cluster;
  const owner = primary.owner;
  const barmanUser = owner ? DRILL_USER : userInfo().username;
  const root = mkdtempSync(join(options.parentDir, 'barman-'));
  chmodSync(root, 0o755);
  const home = join(root, 'home');
  const logFile = join(root, 'barman.log');
  const configPath = join(root, 'barman.conf');
  const receiveLog = join(root, 'receive-wal.log');
  mkdirSync(home);
  writeFileSync(logFile, '');
  for (const path of [home, logFile]) if (owner) chownSync(path, owner.uid, owner.gid);

  const serverSettings: Record<string, string> = {
    description: 'Backup Health test server',
    // The unix socket (trust) for the SQL connection; TCP for replication, which startTcpCluster trusts for postgres.
    conninfo: `host=${primary.socketDir} port=${primary.port} user=postgres dbname=postgres`,
    streaming_conninfo: `host=127.0.0.1 port=${tcp.port} user=postgres`,
    backup_method: 'postgres',
    streaming_archiver: 'on',
    archiver: 'off',
    slot_name: SLOT,
    ...(options.rsyncOver ? { backup_method: 'rsync', ssh_command: sshCommandFor(options.rsyncOver, join(root, 'ssh'), owner) } : {}),
    ...(options.compression ? { compression: options.compression } : {}),
    ...options.serverSettings,
  };
  const writeConfig = (extra: Record<string, string> = {}) => {
    const section = Object.entries({ ...serverSettings, ...extra }).map(([key, value]) => `${key} = ${value}`);
    writeFileSync(
      configPath,
      [
        '[barman]',
        `barman_home = ${home}`,
        `barman_user = ${barmanUser}`,
        `log_file = ${logFile}`,
        'log_level = INFO',
        `path_prefix = ${primary.install.bin}`,
        '',
        `[${server}]`,
        ...section,
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
  };
  writeConfig();

  const serverDir = join(home, server);
  const basebackupsDirectory = join(serverDir, 'base');
  const walsDirectory = join(serverDir, 'wals');
  const backups: BarmanBackupFacts[] = [];
  let receiver: ChildProcess | null = null;

  const barman = (args: readonly string[]) => run('barman', ['-c', configPath, ...args], { timeoutMs: 300_000 });
  const barmanOrThrow = async (args: readonly string[]) => {
    const result = await barman(args);
    if (result.code !== 0) throw new Error(`barman ${args.join(' ')} failed: ${describeFailure(result, 'barman')}\n${result.stdout}\n${result.stderr}`);
    return result;
  };
  const listBackupIds = async (): Promise<string[]> => {
    const result = await barmanOrThrow(['-f', 'json', 'list-backups', server]);
    const parsed = JSON.parse(result.stdout) as Record<string, { backup_id: string }[]>;
    return (parsed[server] ?? []).map((b) => b.backup_id);
  };
  const backupInfo = (id: string): Record<string, string> => {
    const info: Record<string, string> = {};
    for (const line of readFileSync(join(basebackupsDirectory, id, 'backup.info'), 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) info[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return info;
  };
  const xlogDb = () => (existsSync(join(walsDirectory, 'xlog.db')) ? parseXlogDb(readFileSync(join(walsDirectory, 'xlog.db'), 'utf8')).files : []);
  const xlogSegments = () => xlogDb().map((f) => f.name).filter((name) => SEGMENT_NAME.test(name));
  const slotActive = async () => (await sql(primary, `SELECT coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = ${quoteLiteral(SLOT)};`)) === 't';
  /** A new backup's id: the one list-backups did not show before. */
  const newBackupId = async (before: readonly string[]) => {
    const after = await listBackupIds();
    const id = after.find((b) => !before.includes(b));
    if (!id) throw new Error(`barman backup ${server} made no new backup (list-backups: ${after.join(', ')})`);
    return id;
  };

  const setup: BarmanSetup = {
    root,
    server,
    configPath,
    home,
    basebackupsDirectory,
    walsDirectory,
    barmanUser,
    compression: options.compression ?? null,
    primary,
    port: tcp.port,
    monitorPassword: tcp.monitorPassword,
    backups,
    barman,
    xlogDb,
    xlogSegments,
    walPath: (name) => barmanWalPath(walsDirectory, name),
    backupInfo,
    reconfigure(settings) {
      Object.assign(serverSettings, settings);
      writeConfig();
    },

    async startReceiveWal() {
      if (receiver) return;
      const log = openSync(receiveLog, 'a');
      try {
        // Its own process group, so stop() can end pg_receivewal with it if --stop does not.
        receiver = spawn('barman', ['-c', configPath, 'receive-wal', server], { detached: true, stdio: ['ignore', log, log] });
      } finally {
        closeSync(log);
      }
      const child = receiver;
      child.once('exit', () => {
        if (receiver === child) receiver = null;
      });
      await waitFor(`barman receive-wal ${server} streaming into slot ${SLOT}`, async () => {
        if (receiver !== child) throw new Error(`barman receive-wal exited: ${readFileSync(receiveLog, 'utf8').slice(-2000)}`);
        return slotActive();
      }, { timeoutMs: 60_000, intervalMs: 200 });
    },

    async stopReceiveWal() {
      const child = receiver;
      if (!child) return;
      const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
      await barman(['receive-wal', '--stop', server]);
      const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000).unref())]);
      if (!stopped && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
      }
      receiver = null;
      await waitFor(`slot ${SLOT} idle after receive-wal stopped`, async () => !(await slotActive()), { timeoutMs: 60_000, intervalMs: 200 });
    },

    async writeLoad(rows = 1000) {
      await sql(
        primary,
        `CREATE TABLE IF NOT EXISTS public.orders (id bigserial PRIMARY KEY, placed_at timestamptz NOT NULL DEFAULT clock_timestamp(), note text);
         INSERT INTO public.orders (note) SELECT repeat(md5(g::text), 4) FROM generate_series(1, ${Math.max(1, Math.floor(rows))}) AS g;`,
      );
    },

    async switchWal() {
      const out = await sql(primary, `SELECT pg_walfile_name(pg_switch_wal()), (extract(epoch FROM (SELECT timestamp FROM pg_last_committed_xact())) * 1000)::bigint;`);
      const [segment, commit] = out.split('|');
      if (!segment || !SEGMENT_NAME.test(segment)) throw new Error(`pg_switch_wal() gave no segment name: ${out}`);
      // pg_receivewal closes the segment in streaming/; archive-wal moves it into wals/ and lists it in xlog.db.
      await waitFor(`${segment} in ${walsDirectory}/xlog.db`, async () => {
        if (xlogSegments().includes(segment)) return true;
        await barmanOrThrow(['archive-wal', server]);
        return xlogSegments().includes(segment);
      }, { timeoutMs: 120_000, intervalMs: 300 });
      return { segment, lastCommitAt: Number(commit) };
    },

    async backup() {
      const before = await listBackupIds();
      const startedAfter = Date.now();
      const taken = await barman(['backup', '--wait', '--wait-timeout', '240', server]);
      if (taken.code !== 0) {
        // Barman says why only in `check` and its log.
        const check = await barman(['check', server]);
        throw new Error(`barman backup ${server} failed: ${describeFailure(taken, 'barman')}\n${taken.stdout}${taken.stderr}\nbarman check:\n${check.stdout}${check.stderr}\nbarman.log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
      }
      const finishedBefore = Date.now();
      const id = await newBackupId(before);
      const info = backupInfo(id);
      if (info.status !== 'DONE') throw new Error(`barman backup ${server} left ${id} ${info.status}, not DONE (error: ${info.error})`);
      const facts: BarmanBackupFacts = {
        id,
        dir: join(basebackupsDirectory, id),
        dataDir: join(basebackupsDirectory, id, 'data'),
        status: info.status,
        beginWal: info.begin_wal!,
        endWal: info.end_wal!,
        beginLsn: info.begin_xlog!,
        endLsn: info.end_xlog!,
        timeline: Number(info.timeline),
        sizeBytes: Number(info.size),
        startedAfter,
        finishedBefore,
      };
      backups.push(facts);
      return facts;
    },

    faults: {
      async failedBackup() {
        const before = await listBackupIds();
        // Exit 63 of a retry hook is Barman's ABORT_STOP: the backup stops and is marked FAILED.
        writeConfig({ pre_backup_retry_script: 'exit 63' });
        try {
          await barman(['backup', server]);
        } finally {
          writeConfig();
        }
        const id = await newBackupId(before);
        const info = backupInfo(id);
        if (info.status !== 'FAILED') throw new Error(`the aborted backup ${id} is ${info.status}, not FAILED`);
        return { id, error: info.error ?? '' };
      },

      async waitingForWalsBackup() {
        // Barman will not start a backup while receive-wal is down (its check fails), and one whose last segment
        // arrives before `barman backup` archives at its end is DONE at once. So receive-wal is paused
        // (SIGSTOP: its lock and slot stay held, its checks pass) while the backup runs, and resumed after: the
        // backup's last segment is not archived when the backup ends.
        if (!receiver?.pid) throw new Error('waitingForWalsBackup() needs receive-wal running');
        const group = -receiver.pid;
        const before = await listBackupIds();
        process.kill(group, 'SIGSTOP');
        try {
          await barmanOrThrow(['backup', server]);
        } finally {
          process.kill(group, 'SIGCONT');
        }
        const id = await newBackupId(before);
        const info = backupInfo(id);
        if (info.status !== 'WAITING_FOR_WALS') throw new Error(`the backup ${id} taken with receive-wal paused is ${info.status}, not WAITING_FOR_WALS`);
        return id;
      },

      removeWal({ segment, keepXlogDbLine = false } = {}) {
        const segments = xlogSegments();
        if (!segment && segments.length < 3) throw new Error(`xlog.db of ${server} lists ${segments.length} segments; a middle one needs at least 3`);
        const victim = segment ?? segments[Math.floor(segments.length / 2)]!;
        unlinkSync(barmanWalPath(walsDirectory, victim));
        if (!keepXlogDbLine) {
          const file = join(walsDirectory, 'xlog.db');
          // Rewritten in place: the file keeps its owner.
          const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.split('\t')[0] !== victim);
          writeFileSync(file, lines.join('\n'));
        }
        return victim;
      },
    },

    async stop() {
      await setup.stopReceiveWal().catch(() => {});
      await primary.stop();
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };

  try {
    await barmanOrThrow(['receive-wal', '--create-slot', server]);
    await setup.startReceiveWal();
    // A first segment in the archive, as a running server has: until then Barman's wal_archive check fails.
    await setup.switchWal();
  } catch (err) {
    await setup.stop();
    throw err;
  }
  return setup;
}

/**
 * Barman's ssh_command to reach the sshd: a script in `dir` running ssh with the sshd's options, its client key and
 * known_hosts copied into `dir`, all owned by `owner` (barman_user, who runs ssh and cannot read the sshd's own
 * directory when the tests run as root). A login whose home does not exist (a system user's /nonexistent) makes
 * sshd say "Could not chdir to home directory" on stderr, which fails Barman's "ssh output clean" check and so
 * every backup: the script leaves that one line out, and passes everything else and ssh's exit status on.
 */
function sshCommandFor(sshd: Pick<TestSshd, 'host' | 'sshOptions'>, dir: string, owner: ScratchCluster['owner']): string {
  mkdirSync(dir, { mode: 0o700 });
  const own = (path: string) => {
    if (owner) chownSync(path, owner.uid, owner.gid);
  };
  const options = sshd.sshOptions.map((option) => {
    const [key, value] = [option.slice(0, option.indexOf('=')), option.slice(option.indexOf('=') + 1)];
    if (key !== 'IdentityFile' && key !== 'UserKnownHostsFile') return option;
    const copy = join(dir, key === 'IdentityFile' ? 'id' : 'known_hosts');
    writeFileSync(copy, readFileSync(value), { mode: 0o600 });
    own(copy);
    return `${key}=${copy}`;
  });
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const ssh = ['ssh', ...options.flatMap((option) => ['-o', option]), sshd.host].map(quote).join(' ');
  const script = join(dir, 'ssh');
  writeFileSync(
    script,
    ['#!/bin/sh', 'exec 3>&1', `status=$({ { ${ssh} "$@" 2>&1 1>&3 3>&- 4>&-; echo $? >&4; } | grep -v '^Could not chdir to home directory ' >&2; } 4>&1)`, 'exit "$status"', ''].join('\n'),
    { mode: 0o700 },
  );
  own(script);
  own(dir);
  return script;
}

/** A barman source (id orders-barman) reading `setup`'s server, with these fields. */
export function barmanSource(setup: Pick<BarmanSetup, 'server' | 'configPath'>, fields: Record<string, unknown> = {}): BarmanSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'orders-barman', kind: 'barman', server: setup.server, configPath: setup.configPath, ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as BarmanSourceConfig;
}

/**
 * A drill of `facts` as an observation lists it (its id is the key), by a barman source of `setup` with these
 * fields, its scratch clusters in `drillParent`; checks that it left no scratch directory and no server behind.
 */
export async function drillBarmanBackup(setup: Pick<BarmanSetup, 'server' | 'configPath'>, facts: Pick<BarmanBackupFacts, 'id' | 'sizeBytes' | 'finishedBefore'>, drillParent: string, fields: Record<string, unknown> = {}): Promise<Drill> {
  const parsed = validateConfig({ defaults: { drillDir: drillParent }, sources: [] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const backup = { key: facts.id, type: 'base' as const, finishedAt: facts.finishedBefore, sizeBytes: facts.sizeBytes, readable: true };
  const result = await runBarmanDrill(barmanSource(setup, fields), backup, { signal: new AbortController().signal, timeoutMs: 240_000, config: parsed.config, now: Date.now, onProgress: () => {} });
  expect(scratchDirsIn(drillParent)).toEqual([]);
  expect(postgresProcessesUsing(drillParent)).toEqual([]);
  return result;
}
