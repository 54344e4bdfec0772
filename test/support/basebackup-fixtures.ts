// A real point-in-time-recovery setup for tests: a scratch primary archiving WAL with an archive_command that
// copies each segment into <root>/wal (gzip-compressed if asked), and nightly-style pg_basebackup runs into
// <root>/base/<label>/ in plain or tar format (gzip, zstd or lz4 where this pg_basebackup has them). Between
// backups a test writes rows, forces the segment out with pg_switch_wal() and waits for the archiver, so it
// knows the truth an observation or a drill is checked against: each backup's label, start and stop WAL
// location and timeline (from pg_basebackup -v, not from the files the code under test reads), the archived
// segments, and the time of the last commit (track_commit_timestamp).
//
// Faults, each as a helper: a segment deleted in the middle, a truncated segment, archiving stopped, a plain
// backup without backup_label, a tablespace, and a promotion that starts timeline 2 (a streaming standby takes
// over the same archive; the old primary is stopped first, as a failover would).
//
// Everything the server and pg_basebackup write is owned by the cluster's user (backup-health-drill when the
// tests run as root), as it would be on a real backup host. stop() stops every server and removes <root>.
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { validateConfig, type BaseBackupSourceConfig } from '../../shared/config';
import { describeFailure, run, type RunResult } from '../../electron/engine/exec';
import { judgeObservation } from './judge-observation';
import type { ScratchCluster } from '../../electron/engine/drills/scratch-cluster';
import { quoteLiteral, sql, startStandby, startTcpCluster, waitFor, type RunningCluster, type Standby } from './postgres-fixtures';

export type BaseBackupFormat = 'plain' | 'tar';
export type BaseBackupCompression = 'none' | 'gzip' | 'zstd' | 'lz4';

export interface BaseBackupOptions {
  format: BaseBackupFormat;
  /** Tar format only (default none). */
  compression?: BaseBackupCompression;
  /** The backup's directory name under <root>/base and its pg_basebackup label (default: a timestamp and counter). */
  label?: string;
  /** pg_basebackup -X (default stream). `none` leaves the backup needing the archive for its own WAL. */
  walMethod?: 'stream' | 'fetch' | 'none';
  /** Write backup_manifest (default true, as pg_basebackup does). */
  manifest?: boolean;
}

/** What pg_basebackup said of one backup, the truth tests compare an observation with. */
export interface BaseBackupFacts {
  label: string;
  /** <root>/base/<label> */
  dir: string;
  format: BaseBackupFormat;
  compression: BaseBackupCompression;
  /** "0/5000028", as PostgreSQL prints an LSN. */
  startLsn: string;
  stopLsn: string;
  timeline: number;
  /** The WAL segment holding startLsn (the name of the archived <segment>.<offset>.backup file's prefix). */
  startSegment: string;
  stopSegment: string;
  /** Date.now() just before and after pg_basebackup ran. */
  startedAfter: number;
  finishedBefore: number;
  /** The data directory's tablespace oids at the time (tar: <oid>.tar files; plain: mapped directories). */
  tablespaces: { oid: string; location: string; backupLocation?: string }[];
}

export interface SwitchedSegment {
  /** The segment pg_switch_wal() closed, now in the archive. */
  segment: string;
  /** Its file in the archive (with .gz when compressing). */
  file: string;
  /** Time of the last commit before the switch (ms since the epoch), from pg_last_committed_xact(). */
  lastCommitAt: number;
}

export interface BaseBackupSetupOptions {
  parentDir: string;
  /** gzip every archived segment (archive_command `gzip -c %p > …/%f.gz`). */
  gzipArchive?: boolean;
  /** Or zstd (`zstd -q %p -o …/%f.zst`, which records the segment's size in the frame). Wins over gzipArchive. */
  zstdArchive?: boolean;
  /** Extra server settings. */
  settings?: Record<string, string>;
}

export interface BaseBackupSetup {
  /** <root>: holds base/ and wal/ (and tablespaces/ for mapped plain-format tablespaces). */
  root: string;
  /** <root>/base: the source's `path`. */
  basePath: string;
  /** <root>/wal: the source's `walArchive`. */
  walArchive: string;
  gzipArchive: boolean;
  /** The server now taking writes: the first primary, or after promote() the promoted standby. */
  primary(): RunningCluster;
  /** The first primary (stopped after promote()). */
  readonly firstPrimary: ScratchCluster;
  /** The first primary's 127.0.0.1 port and monitor password, for a linked postgres source. */
  readonly port: number;
  readonly monitorPassword: string;
  /** Every backup taken, oldest first. */
  readonly backups: BaseBackupFacts[];
  /** One pg_basebackup run into <root>/base/<label>; throws with pg_basebackup's error. */
  backup(options: BaseBackupOptions): Promise<BaseBackupFacts>;
  /** Insert `rows` rows into public.orders (created on first use) in one transaction. */
  writeLoad(rows?: number): Promise<void>;
  /** pg_switch_wal(), then wait until the closed segment is in the archive. */
  switchAndWait(): Promise<SwitchedSegment>;
  /** Archived files, sorted by name (segments, .backup, .history, .partial; not the archive_command's temp files). */
  archived(): string[];
  /** Archived segment names (24 hex digits, no suffix), sorted. */
  archivedSegments(): string[];
  /** Whether this pg_basebackup can compress with `method`. */
  supportsCompression(method: BaseBackupCompression): Promise<boolean>;
  faults: {
    /** Delete an archived segment strictly between the first and last archived segment of the timeline; returns its name. */
    deleteMiddleSegment(): string;
    /** Cut an archived segment (default: the newest) to half its size; returns its name. */
    truncateSegment(segment?: string): string;
    /** archive_command set to '' (PostgreSQL keeps WAL and archives nothing); the archive goes stale. */
    stopArchiving(): Promise<void>;
    /** Remove backup_label from a plain-format backup. */
    removeBackupLabel(label: string): void;
    /** CREATE TABLESPACE <name> in a directory of <root> with a table `<name>_rows` in it; returns its oid and location. Later plain backups map it under <root>/tablespaces/<label>/. */
    addTablespace(name?: string): Promise<{ oid: string; location: string }>;
    /**
     * A streaming standby of the primary, caught up, takes over: the old primary is stopped, the standby is
     * promoted and archives into the same archive (00000002.history, the old timeline's last segment as
     * .partial, then timeline 2's segments). Returns the new timeline.
     */
    promote(): Promise<number>;
  };
  stop(): Promise<void>;
}

const LSN_LINE = /write-ahead log (start|end) point: ([0-9A-F]+\/[0-9A-F]+)(?: on timeline (\d+))?/;
const SEGMENT_NAME = /^[0-9A-F]{24}$/;
const SEGMENT_SIZE = 16 * 1024 * 1024; // initdb's default, which the scratch clusters use

/** The segment holding `lsn` on `timeline`, for the default 16 MB segments. */
export function segmentOf(lsn: string, timeline: number, segmentSize = SEGMENT_SIZE): string {
  const [hi, lo] = lsn.split('/').map((part) => BigInt(`0x${part}`));
  const position = (hi! << 32n) | lo!;
  const segno = position / BigInt(segmentSize);
  const perId = 0x1_0000_0000n / BigInt(segmentSize);
  const hex = (n: bigint) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(BigInt(timeline))}${hex(segno / perId)}${hex(segno % perId)}`;
}

let counter = 0;
function defaultLabel(): string {
  counter += 1;
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}Z-${String(counter).padStart(3, '0')}`;
}

export async function startBaseBackupSetup(options: BaseBackupSetupOptions): Promise<BaseBackupSetup> {
  const zstdArchive = options.zstdArchive ?? false;
  const gzipArchive = !zstdArchive && (options.gzipArchive ?? false);
  const suffix = zstdArchive ? '.zst' : gzipArchive ? '.gz' : '';
  const root = mkdtempSync(join(options.parentDir, 'basebackup-'));
  const basePath = join(root, 'base');
  const walArchive = join(root, 'wal');
  const tcp = await startTcpCluster({
    parentDir: options.parentDir,
    purpose: 'basebackup test',
    allowReplication: true,
    settings: { archive_mode: 'on', wal_level: 'replica', max_wal_senders: '4', track_commit_timestamp: 'on', ...options.settings },
  });
  const firstPrimary = tcp.cluster;
  const owner = firstPrimary.owner;
  const own = (path: string) => {
    if (owner) chownSync(path, owner.uid, owner.gid);
  };
  for (const dir of [root, basePath, walArchive]) {
    mkdirSync(dir, { recursive: true });
    own(dir);
  }
  // A temp name, then a rename: a half-copied segment is never seen under its real name. A file already in the
  // archive is kept, not overwritten (a promoted standby archives again the old timeline's last segments it
  // streamed), as the PostgreSQL documentation's archive_command example does, but answering success.
  const copy = zstdArchive ? `zstd -q -f %p -o ${walArchive}/.tmp.%f` : gzipArchive ? `gzip -c %p > ${walArchive}/.tmp.%f` : `cp %p ${walArchive}/.tmp.%f`;
  const archiveCommand = `test -f ${walArchive}/%f${suffix} || (${copy} && mv ${walArchive}/.tmp.%f ${walArchive}/%f${suffix})`;
  const setArchiveCommand = (cluster: RunningCluster, command: string) =>
    sql(cluster, `ALTER SYSTEM SET archive_command = ${quoteLiteral(command)}; SELECT pg_reload_conf();`);

  let current: RunningCluster = firstPrimary;
  let standby: Standby | undefined;
  let timeline = 1;
  let archivingStopped = false;
  const backups: BaseBackupFacts[] = [];
  const tablespaces: { oid: string; location: string; name: string }[] = [];
  const asOwner = { ...owner, timeoutMs: 120_000 };

  const archived = () =>
    readdirSync(walArchive)
      .filter((name) => !name.startsWith('.'))
      .sort();
  const archivedSegments = () => archived()
    .map((name) => name.replace(/\.(gz|zst)$/, ''))
    .filter((name) => SEGMENT_NAME.test(name));
  const archiveFile = (segment: string) => join(walArchive, `${segment}${suffix}`);

  const setup: BaseBackupSetup = {
    root,
    basePath,
    walArchive,
    gzipArchive,
    primary: () => current,
    firstPrimary,
    port: tcp.port,
    monitorPassword: tcp.monitorPassword,
    backups,
    archived,
    archivedSegments,

    async supportsCompression(method) {
      if (method === 'none' || method === 'gzip') return true;
      const result = await run(join(firstPrimary.install.bin, 'pg_config'), ['--configure']);
      return result.code === 0 && result.stdout.includes(`--with-${method}`);
    },

    async backup(backupOptions) {
      const label = backupOptions.label ?? defaultLabel();
      const format = backupOptions.format;
      const compression = format === 'tar' ? (backupOptions.compression ?? 'none') : 'none';
      const dir = join(basePath, label);
      const args = [...current.clientArgs(), '-D', dir, '-F', format === 'plain' ? 'p' : 't', '-X', backupOptions.walMethod ?? 'stream', '-c', 'fast', '-l', label, '-v', '--no-sync'];
      if (compression !== 'none') args.push(`--compress=client-${compression}`);
      if (backupOptions.manifest === false) args.push('--no-manifest');
      const mapped: BaseBackupFacts['tablespaces'] = [];
      for (const space of tablespaces) {
        if (format === 'plain') {
          const target = join(root, 'tablespaces', label, space.name);
          mkdirSync(join(root, 'tablespaces', label), { recursive: true });
          own(join(root, 'tablespaces'));
          own(join(root, 'tablespaces', label));
          args.push(`--tablespace-mapping=${space.location}=${target}`);
          mapped.push({ oid: space.oid, location: space.location, backupLocation: target });
        } else {
          mapped.push({ oid: space.oid, location: space.location });
        }
      }
      const startedAfter = Date.now();
      const result: RunResult = await run(current.tool('pg_basebackup'), args, asOwner);
      const finishedBefore = Date.now();
      if (result.code !== 0) throw new Error(`pg_basebackup into ${dir} failed: ${describeFailure(result, 'pg_basebackup')}\n${result.stderr}`);
      let startLsn = '';
      let stopLsn = '';
      let backupTimeline = timeline;
      for (const line of result.stderr.split('\n')) {
        const match = LSN_LINE.exec(line);
        if (!match) continue;
        if (match[1] === 'start') {
          startLsn = match[2]!;
          if (match[3]) backupTimeline = Number(match[3]);
        } else stopLsn = match[2]!;
      }
      if (!startLsn || !stopLsn) {
        // -X none prints neither: the server's own history file of this run, just archived, says them.
        const history = newestBackupHistory(walArchive, label);
        if (!history) throw new Error(`pg_basebackup -v did not print its start and end points, and no .backup file in ${walArchive} names ${label}:\n${result.stderr}`);
        ({ startLsn, stopLsn, timeline: backupTimeline } = history);
      }
      // The run's .backup history file reaches the archive a moment after pg_basebackup exits; a test
      // observing right away must find it (unless archiving was stopped on purpose).
      if (!archivingStopped) {
        await waitFor(`the .backup file of ${label} in ${walArchive}`, () => newestBackupHistory(walArchive, label) !== null, { timeoutMs: 120_000 });
      }
      const facts: BaseBackupFacts = {
        label,
        dir,
        format,
        compression,
        startLsn,
        stopLsn,
        timeline: backupTimeline,
        startSegment: segmentOf(startLsn, backupTimeline),
        stopSegment: segmentOf(stopLsn, backupTimeline),
        startedAfter,
        finishedBefore,
        tablespaces: mapped,
      };
      backups.push(facts);
      return facts;
    },

    async writeLoad(rows = 1000) {
      await sql(
        current,
        `CREATE TABLE IF NOT EXISTS public.orders (id bigserial PRIMARY KEY, placed_at timestamptz NOT NULL DEFAULT clock_timestamp(), note text);
         INSERT INTO public.orders (note) SELECT repeat(md5(g::text), 4) FROM generate_series(1, ${Math.max(1, Math.floor(rows))}) AS g;`,
      );
    },

    async switchAndWait() {
      const out = await sql(
        current,
        `SELECT pg_walfile_name(pg_switch_wal()), (extract(epoch FROM (SELECT timestamp FROM pg_last_committed_xact())) * 1000)::bigint;`,
      );
      const [segment, commit] = out.split('|');
      if (!segment || !SEGMENT_NAME.test(segment)) throw new Error(`pg_switch_wal() gave no segment name: ${out}`);
      const file = archiveFile(segment);
      // The file in the archive is what an observer sees (archive_command renames it in when done). The
      // archiver's own view can lag or move past it (a .partial or .history archived after it), so it only
      // says why, when the wait fails.
      try {
        await waitFor(`${segment} in the archive ${walArchive}`, () => existsSync(file), { timeoutMs: 120_000 });
      } catch (err) {
        const archiver = await sql(current, "SELECT concat_ws(' ', 'last archived', last_archived_wal, 'failed', failed_count, last_failed_wal) FROM pg_stat_archiver;").catch(() => '');
        throw new Error(`${String(err)} (pg_stat_archiver: ${archiver})`);
      }
      return { segment, file, lastCommitAt: Number(commit) };
    },

    faults: {
      deleteMiddleSegment() {
        const segments = archivedSegments().filter((name) => name.startsWith(segmentTimelinePrefix(timeline, archivedSegments())));
        if (segments.length < 3) throw new Error(`the archive ${walArchive} holds ${segments.length} segments of one timeline; a middle one needs at least 3`);
        const victim = segments[Math.floor(segments.length / 2)]!;
        unlinkSync(archiveFile(victim));
        return victim;
      },

      truncateSegment(segment) {
        const victim = segment ?? archivedSegments().at(-1);
        if (!victim) throw new Error(`the archive ${walArchive} holds no segment to truncate`);
        const file = archiveFile(victim);
        truncateSync(file, Math.floor(statSync(file).size / 2));
        return victim;
      },

      async stopArchiving() {
        archivingStopped = true;
        await setArchiveCommand(current, '');
      },

      removeBackupLabel(label) {
        const facts = backups.find((b) => b.label === label);
        if (!facts || facts.format !== 'plain') throw new Error(`no plain-format backup labelled ${label}`);
        rmSync(join(facts.dir, 'backup_label'));
      },

      async addTablespace(name = 'archive_space') {
        const location = join(root, `tablespace-${name}`);
        mkdirSync(location, { mode: 0o700 });
        own(location);
        await sql(current, `CREATE TABLESPACE ${name} LOCATION ${quoteLiteral(location)};`);
        await sql(current, `CREATE TABLE public.${name}_rows (id int, note text) TABLESPACE ${name}; INSERT INTO public.${name}_rows SELECT g, md5(g::text) FROM generate_series(1, 500) AS g;`);
        const oid = await sql(current, `SELECT oid FROM pg_tablespace WHERE spcname = ${quoteLiteral(name)};`);
        tablespaces.push({ oid, location, name });
        return { oid, location };
      },

      async promote() {
        if (standby) throw new Error('promote() runs once per setup');
        if (tablespaces.length > 0) throw new Error('promote() cannot run after addTablespace(): the standby on this host would share its directory');
        // Everything the old primary closed is archived before it goes; its open segment reaches the archive
        // from the promoted standby, as <segment>.partial.
        await setup.switchAndWait();
        standby = await startStandby(firstPrimary, { parentDir: options.parentDir, name: 'promoted', settings: { archive_mode: 'on', track_commit_timestamp: 'on' } });
        const target = await sql(firstPrimary, 'SELECT pg_current_wal_lsn();');
        await waitFor('the standby to replay everything the primary wrote', async () => (await sql(standby!, `SELECT pg_last_wal_replay_lsn() >= ${quoteLiteral(target)}::pg_lsn;`)) === 't', {
          timeoutMs: 60_000,
        });
        await firstPrimary.stop();
        const promoted = await run(firstPrimary.tool('pg_ctl'), ['-D', standby.dataDir, 'promote', '-w', '-t', '60'], asOwner);
        if (promoted.code !== 0) throw new Error(`pg_ctl promote of ${standby.dataDir} failed: ${describeFailure(promoted, 'pg_ctl')}`);
        // pg_control's checkpoint may still name the old timeline: ask the one the server now writes on.
        timeline = parseInt((await sql(standby, 'SELECT pg_walfile_name(pg_current_wal_lsn());')).slice(0, 8), 16);
        const history = `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
        current = standby;
        await waitFor(`${history} in the archive ${walArchive}`, () => archived().some((name) => name.startsWith(history)), { timeoutMs: 60_000 });
        return timeline;
      },
    },

    async stop() {
      await firstPrimary.stop();
      if (standby) await standby.stop();
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };

  try {
    await setArchiveCommand(firstPrimary, archiveCommand);
  } catch (err) {
    await setup.stop();
    throw err;
  }
  return setup;
}

/** The start and stop of backup `label` as its archived <segment>.<offset>.backup file says (plain or gzipped). */
function newestBackupHistory(walArchive: string, label: string): { startLsn: string; stopLsn: string; timeline: number } | null {
  for (const name of readdirSync(walArchive).filter((n) => /\.backup(\.gz|\.zst)?$/.test(n))) {
    const raw = readFileSync(join(walArchive, name));
    const text = (name.endsWith('.gz') ? gunzipSync(raw) : name.endsWith('.zst') ? execFileSync('zstd', ['-dcq'], { input: raw }) : raw).toString('utf8');
    if (!text.includes(`\nLABEL: ${label}\n`)) continue;
    const start = /^START WAL LOCATION: (\S+)/m.exec(text)?.[1];
    const stop = /^STOP WAL LOCATION: (\S+)/m.exec(text)?.[1];
    const timeline = /^START TIMELINE: (\d+)/m.exec(text)?.[1];
    if (start && stop && timeline) return { startLsn: start, stopLsn: stop, timeline: Number(timeline) };
  }
  return null;
}

/** The 8-hex-digit timeline prefix of the newest archived timeline's segments. */
function segmentTimelinePrefix(timeline: number, segments: string[]): string {
  const prefix = timeline.toString(16).toUpperCase().padStart(8, '0');
  return segments.some((name) => name.startsWith(prefix)) ? prefix : (segments.at(-1)?.slice(0, 8) ?? prefix);
}

/** A validated basebackup source (id orders-base) reading `setup`'s directories, with these fields. */
export function basebackupSource(setup: Pick<BaseBackupSetup, 'basePath' | 'walArchive'>, fields: Record<string, unknown> = {}): BaseBackupSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'orders-base', kind: 'basebackup', path: setup.basePath, walArchive: setup.walArchive, ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as BaseBackupSourceConfig;
}

/** The health of `source` after one successful poll that observed `observation` (judge-observation.ts). */
export const judgeBaseBackups = judgeObservation;
