// The postgres probe against real clusters: a healthy primary, WAL archiving that fails and that works, a real
// streaming standby (pg_basebackup -R) applying late, and the ways a connection goes wrong.
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresSourceConfig } from '../../../shared/config';
import type { PostgresMetrics } from '../../../shared/model';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import type { ProbeContext } from '../../../electron/engine/sources/probe';
import { ProbeError } from '../../../electron/engine/errors';
import { postgresProbe } from '../../../electron/engine/sources/postgres/index';
import {
  MONITOR_USER,
  freePort,
  probeContext,
  quoteLiteral,
  removeTestParentDir,
  scratchDirsIn,
  sql,
  startStandby,
  startTcpCluster,
  testParentDir,
  waitFor,
  type Standby,
  type TcpCluster,
} from '../../support/postgres-fixtures';

const parentDir = testParentDir('postgres-probe');
const PASSWORD_ENV = 'BACKUP_HEALTH_TEST_MONITOR_PASSWORD';

function source(fields: Omit<PostgresSourceConfig, 'id' | 'kind'>): PostgresSourceConfig {
  return { id: 'orders-db', kind: 'postgres', ...fields };
}

async function observe(config: PostgresSourceConfig, ctx: ProbeContext = probeContext()): Promise<PostgresMetrics> {
  const { metrics, backups } = await postgresProbe.observe(config, ctx);
  expect(backups).toEqual([]);
  if (metrics.kind !== 'postgres') throw new Error('not postgres metrics');
  return metrics;
}

async function failure(config: PostgresSourceConfig, ctx: ProbeContext = probeContext()): Promise<ProbeError> {
  try {
    await postgresProbe.observe(config, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(ProbeError);
    return err as ProbeError;
  }
  throw new Error('the probe succeeded, but a failure was expected');
}

/** A file only the current user can read, as passwordFile and ~/.pgpass must be. */
function secretFile(name: string, content: string, mode = 0o600): string {
  const path = join(parentDir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** With PGPASSFILE (which the pgpass package and libpq honour instead of ~/.pgpass) pointing at `path`. */
async function withPgpassFile<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PGPASSFILE;
  process.env.PGPASSFILE = path;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.PGPASSFILE;
    else process.env.PGPASSFILE = saved;
  }
}

describe('a healthy primary', () => {
  let db: TcpCluster;

  beforeAll(async () => {
    db = await startTcpCluster({ parentDir, settings: { log_connections: 'on' } });
    process.env[PASSWORD_ENV] = db.monitorPassword;
    await sql(
      db.cluster,
      `CREATE DATABASE orders;
       CREATE DATABASE secret;
       REVOKE CONNECT ON DATABASE secret FROM PUBLIC;
       CREATE ROLE plain LOGIN PASSWORD ${quoteLiteral(db.monitorPassword)};`,
    );
    await sql(db.cluster, `CREATE TABLE items AS SELECT g AS id, repeat('x', 200) AS note FROM generate_series(1, 20000) g;`, 'orders');
  });

  afterAll(async () => {
    delete process.env[PASSWORD_ENV];
    await db?.cluster.stop();
  });

  it('reports its version, every database with its size, and that it is a primary', async () => {
    const metrics = await observe(source({ url: db.url(), passwordEnv: PASSWORD_ENV }));

    expect(metrics.serverMajor).toBe(db.cluster.install.major);
    expect(metrics.serverVersion).toBe(await sql(db.cluster, 'SHOW server_version'));
    expect(metrics.serverVersionNum).toBe(Number(await sql(db.cluster, 'SHOW server_version_num')));
    expect(metrics.inRecovery).toBe(false);
    expect(metrics.replayDelayMs).toBeNull();
    expect(metrics.standbys).toEqual([]);
    expect(metrics.archiver).toMatchObject({ archiveMode: 'off', archivedCount: 0, failedCount: 0 });

    expect(metrics.databases.map((d) => d.name)).toEqual(['orders', 'postgres', 'secret']); // no templates
    const sizeOf = (name: string) => metrics.databases.find((d) => d.name === name)!.sizeBytes;
    expect(sizeOf('orders')).toBe(Number(await sql(db.cluster, `SELECT pg_database_size('orders')`)));
    expect(sizeOf('orders')! - sizeOf('postgres')!).toBeGreaterThan(3_000_000); // 20,000 rows of 200 bytes
  });

  it('connects as backup-health, so a DBA can tell the monitor apart in pg_stat_activity and logs', async () => {
    await observe(source({ url: db.url('orders'), passwordEnv: PASSWORD_ENV }));
    const log = readFileSync(db.cluster.logFile, 'utf8');
    expect(log).toMatch(new RegExp(`connection authorized: user=${MONITOR_USER} database=orders application_name=backup-health`));
    expect(log).not.toContain(db.monitorPassword);
  });

  it('reads the password from a chmod 600 passwordFile, without its trailing newline', async () => {
    const passwordFile = secretFile('monitor.password', `${db.monitorPassword}\n`);
    const metrics = await observe(source({ url: db.url(), passwordFile }));
    expect(metrics.inRecovery).toBe(false);
  });

  it('finds the password in ~/.pgpass when none is configured', async () => {
    const pgpass = secretFile('pgpass', `# monitoring\n127.0.0.1:${db.port}:*:${MONITOR_USER}:${db.monitorPassword}\n`);
    const metrics = await withPgpassFile(pgpass, () => observe(source({ url: db.url() })));
    expect(metrics.databases.length).toBe(3);
  });

  it('sizes a database nobody may connect to only with pg_read_all_stats, and lists it unsized without', async () => {
    const asMonitor = await observe(source({ url: db.url(), passwordEnv: PASSWORD_ENV }));
    expect(asMonitor.databases.map((d) => d.name)).toContain('secret');

    // `plain` is not in pg_monitor: pg_database_size('secret') would fail with "permission denied".
    const asPlain = await observe(source({ url: `postgres://plain@127.0.0.1:${db.port}/postgres`, passwordEnv: PASSWORD_ENV }));
    expect(asPlain.databases.map((d) => d.name)).toEqual(['orders', 'postgres', 'secret']);
    expect(asPlain.databases.find((d) => d.name === 'secret')!.sizeBytes).toBeNull(); // still asked a backup for (coverage)
    expect(asPlain.databases.find((d) => d.name === 'orders')!.sizeBytes).toBeGreaterThan(0);
  });

  it('a monitoring role that may not read pg_stat_archiver still gets everything else, with archiver null', async () => {
    await sql(db.cluster, `REVOKE SELECT ON pg_catalog.pg_stat_archiver FROM PUBLIC;`);
    try {
      const metrics = await observe(source({ url: db.url(), passwordEnv: PASSWORD_ENV }));
      expect(metrics.archiver).toBeNull();
      expect(metrics.databases.map((d) => d.name)).toEqual(['orders', 'postgres', 'secret']);
      expect(metrics).toMatchObject({ inRecovery: false, standbys: [], serverMajor: db.cluster.install.major });
    } finally {
      await sql(db.cluster, `GRANT SELECT ON pg_catalog.pg_stat_archiver TO PUBLIC;`);
    }
  });

  it('sslmode=require against a server without TLS: failed, saying so', async () => {
    const error = await failure(source({ url: `${db.url()}?sslmode=require`, passwordEnv: PASSWORD_ENV }));
    expect(error).toMatchObject({ code: 'failed', host: `127.0.0.1:${db.port}` });
    expect(error.message).toMatch(/does not support SSL/);
  });

  it('wrong password: auth-failed naming user and host, never the password', async () => {
    const wrong = 'not-the-Password-42';
    process.env.BACKUP_HEALTH_TEST_WRONG = wrong;
    try {
      const error = await failure(source({ url: db.url(), passwordEnv: 'BACKUP_HEALTH_TEST_WRONG' }));
      expect(error.code).toBe('auth-failed');
      expect(error.host).toBe(`127.0.0.1:${db.port}`);
      expect(error.message).toBe(
        `password authentication failed for user monitor at 127.0.0.1:${db.port}: check the password in the environment variable BACKUP_HEALTH_TEST_WRONG`,
      );
      expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(wrong);
    } finally {
      delete process.env.BACKUP_HEALTH_TEST_WRONG;
    }
  });

  it('no password anywhere, though the server asks for one: auth-failed saying what to configure', async () => {
    const error = await withPgpassFile(join(parentDir, 'no-such-pgpass'), () => failure(source({ url: db.url() })));
    expect(error.code).toBe('auth-failed');
    expect(error.message).toMatch(/asks user monitor for a password, but none is configured: set passwordEnv or passwordFile/);
  });

  it('passwordEnv naming an unset variable: a config error naming the variable, before connecting', async () => {
    const error = await failure(source({ url: db.url(), passwordEnv: 'BACKUP_HEALTH_TEST_UNSET' }));
    expect(error.code).toBe('config');
    expect(error.message).toMatch(/BACKUP_HEALTH_TEST_UNSET.*not set/);
  });

  it('passwordFile readable by others (0644): a config error telling to chmod 600', async () => {
    const passwordFile = secretFile('loose.password', db.monitorPassword, 0o644);
    const error = await failure(source({ url: db.url(), passwordFile }));
    expect(error.code).toBe('config');
    expect(error.message).toBe(`passwordFile ${passwordFile} can be read by other users (mode 0644); run chmod 600 ${passwordFile}`);
  });

  it('passwordFile missing: a config error', async () => {
    const passwordFile = join(parentDir, 'missing.password');
    const error = await failure(source({ url: db.url(), passwordFile }));
    expect(error).toMatchObject({ code: 'config', message: `passwordFile ${passwordFile} does not exist` });
  });

  it('a database that does not exist: not-found', async () => {
    const error = await failure(source({ url: db.url('ordres'), passwordEnv: PASSWORD_ENV }));
    expect(error).toMatchObject({ code: 'not-found', host: `127.0.0.1:${db.port}` });
    expect(error.message).toBe(`database "ordres" does not exist on 127.0.0.1:${db.port}: check the database name in the url`);
  });

  it('a database the user may not connect to: permission-denied', async () => {
    const error = await failure(source({ url: `postgres://plain@127.0.0.1:${db.port}/secret`, passwordEnv: PASSWORD_ENV }));
    expect(error.code).toBe('permission-denied');
    expect(error.message).toMatch(/^user plain is not allowed to do this on 127\.0\.0\.1:\d+: permission denied for database "secret"/);
  });
});

describe('connections that go nowhere', () => {
  let hanging: Server;
  const openSockets = new Set<Socket>();
  /** Called with each connection the hanging server accepts: a test waits on it instead of on the clock. */
  let onConnection: (() => void) | undefined;

  beforeAll(async () => {
    // Accepts TCP connections, reads what it is sent and never says a word, like a wedged server or a black-holing
    // proxy. (Reading matters: an unread socket never sees the client's FIN, so it would never close.)
    hanging = createServer((socket) => {
      socket.resume();
      openSockets.add(socket);
      socket.on('close', () => openSockets.delete(socket));
      onConnection?.();
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of openSockets) socket.destroy();
    await new Promise((resolve) => hanging?.close(resolve));
  });

  const hangingUrl = () => `postgres://monitor@127.0.0.1:${(hanging.address() as { port: number }).port}/postgres`;

  /** Resolves once every connection the hanging server holds has been closed by the other side (the probe). */
  const socketsClosed = () => Promise.all([...openSockets].map((socket) => new Promise((resolve) => (socket.closed ? resolve(null) : socket.once('close', resolve)))));

  it('nothing listening on the port: refused', async () => {
    const port = await freePort();
    const error = await failure(source({ url: `postgres://monitor@127.0.0.1:${port}/postgres` }));
    expect(error).toMatchObject({
      code: 'refused',
      host: `127.0.0.1:${port}`,
      message: `connection refused by 127.0.0.1:${port}: is PostgreSQL running and listening there?`,
    });
  });

  it('a server that never answers: a timeout after the probe timeout, and the socket is closed', async () => {
    let connections = 0;
    onConnection = () => connections++;
    const started = Date.now();
    const error = await failure(source({ url: hangingUrl() }), probeContext({ timeoutMs: 1000 }));
    const took = Date.now() - started;
    onConnection = undefined;
    expect(connections).toBe(1); // it reached the server, which then said nothing
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/^no answer from 127\.0\.0\.1:\d+ within 1s/);
    // A lower bound only: it waited out its timeout rather than giving up early. A timer never fires early,
    // so no load can fail this; how much later it ends is the machine's business, not this test's.
    expect(took).toBeGreaterThanOrEqual(900);
    await socketsClosed();
    expect(openSockets.size).toBe(0);
  });

  it('the engine aborting the probe stops it at once: timeout', async () => {
    const controller = new AbortController();
    // Aborted once the probe is connected and waiting: what a stopping engine does to a probe under way.
    onConnection = () => controller.abort(new DOMException('stopping', 'AbortError'));
    // A timeout longer than the test's own: only the abort can end this probe before the test fails.
    const error = await failure(source({ url: hangingUrl() }), probeContext({ timeoutMs: 10 * 60_000, signal: controller.signal }));
    onConnection = undefined;
    expect(controller.signal.aborted).toBe(true);
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/cancelled/);
    await socketsClosed();
    expect(openSockets.size).toBe(0);
  });

  it('a host name that does not resolve: dns', async () => {
    const error = await failure(source({ url: 'postgres://monitor@db1.backup-health.invalid:5432/postgres' }), probeContext({ timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'dns', host: 'db1.backup-health.invalid:5432' });
    expect(error.message).toMatch(/cannot resolve the host name db1\.backup-health\.invalid/);
  });
});

/** Write something and switch to a new WAL segment, so the finished one is handed to archive_command. */
async function switchWal(cluster: ScratchCluster): Promise<void> {
  await sql(cluster, `CREATE TABLE IF NOT EXISTS churn (n int); INSERT INTO churn SELECT generate_series(1, 1000); SELECT pg_switch_wal();`);
}

/** Over the unix socket as postgres (trust): also covers ?host=/socket/dir URLs. */
const socketUrl = (cluster: ScratchCluster) => `postgres://postgres@localhost:${cluster.port}/postgres?host=${encodeURIComponent(cluster.socketDir)}`;

describe('WAL archiving', () => {
  let failing: ScratchCluster | undefined;
  let working: ScratchCluster | undefined;

  beforeAll(async () => {
    [failing, working] = await Promise.all([
      ScratchCluster.start({ parentDir, purpose: 'test', settings: { archive_mode: 'on', archive_command: 'false' } }),
      // archive_command is set once the cluster (and so its directory) exists; until then nothing is archived.
      ScratchCluster.start({ parentDir, purpose: 'test', settings: { archive_mode: 'on' } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([failing?.stop(), working?.stop()]);
  });

  it('an archive_command that fails shows up as failures and nothing archived', async () => {
    const before = Date.now();
    await switchWal(failing!);
    const metrics = await waitFor('pg_stat_archiver.failed_count > 0', async () => {
      const m = await observe(source({ url: socketUrl(failing!) }));
      return (m.archiver?.failedCount ?? 0) > 0 && m;
    });
    expect(metrics.archiver).toMatchObject({ archiveMode: 'on', archivedCount: 0, lastArchivedWal: null, lastArchivedAt: null });
    expect(metrics.archiver!.lastFailedWal).toMatch(/^[0-9A-F]{24}$/);
    expect(metrics.archiver!.lastFailedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(readFileSync(failing!.logFile, 'utf8')).toMatch(/archive command failed with exit code 1/);
  });

  it('an archive_command that copies the segment: archived count, last WAL and when', async () => {
    const cluster = working!;
    const archiveDir = join(cluster.dir, 'wal-archive');
    mkdirSync(archiveDir);
    if (cluster.owner) chownSync(archiveDir, cluster.owner.uid, cluster.owner.gid); // the server runs as postgres
    await sql(cluster, `ALTER SYSTEM SET archive_command = ${quoteLiteral(`test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f`)}; SELECT pg_reload_conf();`);
    const before = Date.now();
    await switchWal(cluster);
    const metrics = await waitFor('pg_stat_archiver.archived_count > 0', async () => {
      const m = await observe(source({ url: socketUrl(cluster) }));
      return (m.archiver?.archivedCount ?? 0) > 0 && m;
    });
    const archiver = metrics.archiver!;
    expect(archiver).toMatchObject({ archiveMode: 'on', failedCount: 0, lastFailedWal: null });
    expect(archiver.lastArchivedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(readdirSync(archiveDir)).toContain(archiver.lastArchivedWal);
  });
});

describe('streaming replication', () => {
  const APPLY_DELAY_MS = 3000;
  let primary: TcpCluster | undefined;
  let standby: Standby | undefined;

  beforeAll(async () => {
    primary = await startTcpCluster({ parentDir, allowReplication: true });
    process.env.BACKUP_HEALTH_TEST_REPLICATION_PASSWORD = primary.monitorPassword;
    standby = await startStandby(primary.cluster, {
      parentDir,
      name: 'standby-a',
      settings: {
        // Replays each commit no earlier than 3 s after it happened on the primary: real, measurable lag.
        recovery_min_apply_delay: `${APPLY_DELAY_MS}ms`,
        // Report positions every second, so the primary learns about replay promptly.
        wal_receiver_status_interval: '1s',
      },
    });
  });

  afterAll(async () => {
    delete process.env.BACKUP_HEALTH_TEST_REPLICATION_PASSWORD;
    await Promise.all([standby?.stop(), primary?.cluster.stop()]);
  });

  const onPrimary = () => source({ url: primary!.url(), passwordEnv: 'BACKUP_HEALTH_TEST_REPLICATION_PASSWORD' });
  // The monitor role and the pg_hba.conf came over with pg_basebackup.
  const onStandby = () => source({ url: `postgres://monitor@127.0.0.1:${standby!.port}/postgres`, passwordEnv: 'BACKUP_HEALTH_TEST_REPLICATION_PASSWORD' });

  it('the primary lists the standby streaming from it; the standby says it is in recovery', async () => {
    const metrics = await waitFor('standby-a streaming in pg_stat_replication', async () => {
      const m = await observe(onPrimary());
      return m.standbys.some((s) => s.state === 'streaming') && m;
    });
    expect(metrics.inRecovery).toBe(false);
    expect(metrics.standbys).toEqual([expect.objectContaining({ applicationName: 'standby-a', clientAddr: '127.0.0.1', state: 'streaming', syncState: 'async' })]);

    // Caught up (received = replayed): a delay of 0, not "unknown".
    const onTheStandby = await waitFor('the standby to report it is caught up', async () => {
      const m = await observe(onStandby());
      return m.replayDelayMs === 0 && m;
    });
    expect(onTheStandby).toMatchObject({ inRecovery: true, serverVersion: metrics.serverVersion, standbys: [] });
  });

  it('a standby applying 3 s late: replay lag on the primary, replay delay on the standby, 0 once caught up', async () => {
    // Something for the standby to have replayed, so pg_last_xact_replay_timestamp() is set.
    await sql(primary!.cluster, `CREATE TABLE lag_marks (at timestamptz DEFAULT now());`);
    await waitFor('the standby to replay the table', async () => (await sql(standby!, `SELECT to_regclass('lag_marks') IS NOT NULL`)) === 't', { timeoutMs: 20_000 });
    const lagged = await waitFor('a replay_lag for standby-a on the primary', async () => {
      const lag = (await observe(onPrimary())).standbys.find((s) => s.applicationName === 'standby-a')?.replayLagMs;
      return lag !== null && lag !== undefined && lag;
    });
    // About the apply delay (a little less: synchronous_commit=off sends the WAL a moment after the commit); a
    // standby without the delay shows a few milliseconds.
    expect(lagged).toBeGreaterThan(APPLY_DELAY_MS / 2);

    // Received but held back by the apply delay: the standby is behind by at least the time since its last replay.
    await sql(primary!.cluster, `INSERT INTO lag_marks DEFAULT VALUES;`);
    const behind = await waitFor('a replay delay on the standby', async () => {
      const delay = (await observe(onStandby())).replayDelayMs;
      return delay !== null && delay > 0 && delay;
    });
    // now() minus the commit time of the last replayed transaction, which was replayed 3 s after its commit.
    expect(behind).toBeGreaterThan(APPLY_DELAY_MS / 2);

    const caughtUp = await waitFor('the standby to catch up', async () => (await observe(onStandby())).replayDelayMs === 0, { timeoutMs: 20_000 });
    expect(caughtUp).toBe(true);
    expect(await sql(standby!, `SELECT count(*) FROM lag_marks`)).toBe('1');
  });
});

// Runs even when a filter (-t) skips the check below.
afterAll(() => removeTestParentDir(parentDir));

describe('cleanup', () => {
  it('leaves no cluster directory and no postgres process from this file behind', () => {
    expect(scratchDirsIn(parentDir)).toEqual([]);
    const ours = readdirSync('/proc')
      .filter((pid) => /^\d+$/.test(pid))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(parentDir);
        } catch {
          return false;
        }
      });
    expect(ours).toEqual([]);
    expect(existsSync(parentDir)).toBe(true);
  });
});
