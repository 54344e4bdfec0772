// Coverage from restic and borg, with real parts: a PostgreSQL with four databases, real pg_dump output of three
// of them (custom, plain with --create, directory) backed up by real restic and borg, the probes reading which
// databases the newest snapshot or archive holds, and the engine's coverage finding for the server naming only
// the database no dump holds. A pgBackRest-only cluster's coverage is judged in test/unit/health/coverage-kinds.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type BorgSourceConfig, type Config, type ResticSourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { Engine } from '../../../electron/engine/engine';
import { borgProbe } from '../../../electron/engine/sources/borg/index';
import { REMOTE_BORG_BASE_DIR } from '../../../electron/engine/sources/borg/borg-run';
import { resticProbe } from '../../../electron/engine/sources/restic/index';
import { History } from '../../../electron/engine/store/history';
import { borgJob } from '../../support/borg-fixtures';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';
import { restic as resticJob } from '../../support/restic-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';
import { runTool } from '../../../electron/engine/remote';

const PASSWORD = 'correct horse battery staple';
let root: string;
let db: TcpCluster;
let passwordFile: string;
let resticRepo: string;
let borgRepo: string;
let xdgCache: string | undefined;
let sshd: TestSshd | undefined;
const restic = (args: string[]) => resticJob({ passwordFile, cacheDir: join(root, 'job-cache') }, resticRepo, args);
const borg = () => borgJob(join(root, 'borg-job'), PASSWORD);

function config(sources: unknown[]): Config {
  const parsed = validateConfig({ defaults: { timeout: '60s' }, sources });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

const postgresSource = () => ({ id: 'orders-db', kind: 'postgres', url: db.url('orders'), passwordEnv: 'HELD_DB_MONITOR_PW' });
const resticSource = (fields: Record<string, unknown> = {}) => ({ id: 'orders-restic', kind: 'restic', repo: resticRepo, passwordFile, ...fields });
const borgSource = (fields: Record<string, unknown> = {}) => ({ id: 'orders-borg', kind: 'borg', repo: borgRepo, passwordEnv: 'HELD_DB_BORG_PW', ...fields });
const newest = (backups: ObservedBackup[]) => [...backups].sort((a, b) => b.finishedAt - a.finishedAt)[0]!;

async function pgDump(args: string[]): Promise<void> {
  const result = await runClient(db.cluster, 'pg_dump', args);
  expect(result.code, result.stderr).toBe(0);
}

beforeAll(async () => {
  root = testParentDir('held');
  xdgCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'xdg-cache');
  process.env.HELD_DB_BORG_PW = PASSWORD;
  db = await startTcpCluster({ parentDir: root });
  process.env.HELD_DB_MONITOR_PW = db.monitorPassword;
  await sql(db.cluster, 'CREATE DATABASE orders; CREATE DATABASE billing; CREATE DATABASE audit; CREATE DATABASE hr;');
  // Big enough that each dump is far past the 8 KB a head read takes: the tool must be stopped, not drained.
  await sql(db.cluster, 'CREATE TABLE customers AS SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 20000) g;', 'orders');
  await sql(db.cluster, 'CREATE TABLE invoices AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 20000) g;', 'billing');
  await sql(db.cluster, 'CREATE TABLE events (id int);', 'audit');

  // What a nightly job leaves for restic or borg to save: a custom, a plain --create and a directory dump, and
  // files that are not dumps (a plain dump without --create names no database: it is taken for the one the
  // server source connects to).
  const tree = join(root, 'backup', 'pg');
  mkdirSync(tree, { recursive: true });
  chmodSync(tree, 0o777); // pg_dump runs as postgres when the tests run as root
  await pgDump(['-Fc', '-f', join(tree, 'orders.dump'), 'orders']);
  await pgDump(['--create', '-f', join(tree, 'billing.sql'), 'billing']);
  await pgDump(['-Fd', '-f', join(tree, 'audit.dir'), 'audit']);
  writeFileSync(join(tree, 'README.txt'), 'nightly dumps\n');
  writeFileSync(join(tree, 'random.bin'), randomBytes(50_000));

  passwordFile = join(root, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  resticRepo = join(root, 'restic');
  await restic(['init']);
  await restic(['backup', '--host', 'db1', join(root, 'backup')]);
  borgRepo = join(root, 'borg');
  await borg().borg(['init', '-e', 'repokey', borgRepo]);
  await borg().borg(['create', `${borgRepo}::pg-2024-05-02`, 'backup'], root);
}, 180_000);

afterAll(async () => {
  // restic over ssh keeps its cache where restic does for the ssh login ($HOME/.cache/restic): not ours to keep.
  if (sshd) {
    const cache = await runTool(sshd, 'sh', ['-c', 'printf %s "${XDG_CACHE_HOME:-$HOME/.cache}/restic"']);
    const id = (JSON.parse(await restic(['cat', 'config'])) as { id: string }).id;
    rmSync(join(cache.stdout, id), { recursive: true, force: true });
    // borg over ssh keeps its state in that login's REMOTE_BORG_BASE_DIR: this repository's part is not ours to keep.
    const home = (await runTool(sshd, 'sh', ['-c', 'printf %s "$HOME"'])).stdout;
    const borgId = /^id = (\w+)$/m.exec(readFileSync(join(borgRepo, 'config'), 'utf8'))![1]!;
    for (const part of ['.cache/borg', '.config/borg/security']) rmSync(join(home, REMOTE_BORG_BASE_DIR, part, borgId), { recursive: true, force: true });
    await sshd.stop();
  }
  await db?.cluster.stop();
  if (xdgCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = xdgCache;
  delete process.env.HELD_DB_BORG_PW;
  delete process.env.HELD_DB_MONITOR_PW;
  expect(scratchDirsIn(root)).toEqual([]);
  removeTestParentDir(root);
});

describe('which databases a restic snapshot or borg archive holds', () => {
  it('restic: the newest snapshot names the databases of the custom, plain --create and directory dumps in it', async () => {
    const source = config([postgresSource(), resticSource({ database: 'orders-db' })]).sources[1] as ResticSourceConfig;
    const { backups } = await resticProbe.observe(source, probeContext({ timeoutMs: 60_000 }));
    expect(newest(backups).meta?.databases).toEqual(['audit', 'billing', 'orders']);
  });

  it('borg: the newest archive names them too', async () => {
    const source = config([postgresSource(), borgSource({ database: 'orders-db' })]).sources[1] as BorgSourceConfig;
    const { backups } = await borgProbe.observe(source, probeContext({ timeoutMs: 60_000 }));
    expect(newest(backups).meta?.databases).toEqual(['audit', 'billing', 'orders']);
  });

  describe('over ssh: restic and borg run on the host, and each head read stops there too', () => {
    // Each tool run is its own ssh login plus the tool's start and key derivation: 9 for restic (snapshots, two
    // stats, ls, 5 heads), 8 for borg (list, info, the archive's list, 5 heads). That is 17 s on an idle 2-core
    // machine and was 50-60 s under a full CI run's load, so each tool is its own test with room to spare, and
    // the probe's own timeout (the head reads stop at 80% of it) is raised to match: a read cut short by the
    // probe's deadline would name fewer databases.
    const SSH_PROBE_MS = 120_000;
    const SSH_PROBE_TEST_MS = 180_000;
    let remote: { host: string; sshOptions: string[] };
    beforeAll(async () => {
      sshd = await startSshd();
      remote = { host: sshd.host, sshOptions: sshd.sshOptions };
    });

    it('restic', async () => {
      const source = config([postgresSource(), resticSource({ id: 'remote-restic', database: 'orders-db', snapshotPath: join(root, 'backup'), ...remote })]).sources[1] as ResticSourceConfig;
      const { backups } = await resticProbe.observe(source, probeContext({ timeoutMs: SSH_PROBE_MS }));
      expect(newest(backups).meta?.databases).toEqual(['audit', 'billing', 'orders']);
    }, SSH_PROBE_TEST_MS);

    it('borg', async () => {
      const source = config([postgresSource(), borgSource({ id: 'remote-borg', database: 'orders-db', ...remote })]).sources[1] as BorgSourceConfig;
      const { backups } = await borgProbe.observe(source, probeContext({ timeoutMs: SSH_PROBE_MS }));
      expect(newest(backups).meta?.databases).toEqual(['audit', 'billing', 'orders']);
    }, SSH_PROBE_TEST_MS);
  });

  it('a source linked to no server is not read for it (no extra tool runs)', async () => {
    const resticOnly = config([resticSource()]).sources[0] as ResticSourceConfig;
    const borgOnly = config([borgSource()]).sources[0] as BorgSourceConfig;
    expect(newest((await resticProbe.observe(resticOnly, probeContext({ timeoutMs: 60_000 }))).backups).meta?.databases).toBeUndefined();
    expect(newest((await borgProbe.observe(borgOnly, probeContext({ timeoutMs: 60_000 }))).backups).meta?.databases).toBeUndefined();
  });

  it('a second job in the same repository (other paths) is read too: its snapshot names its own database', async () => {
    const hrTree = join(root, 'hr-backup');
    mkdirSync(hrTree, { recursive: true });
    chmodSync(hrTree, 0o777);
    await pgDump(['--create', '-f', join(hrTree, 'hr.sql'), 'hr']);
    await restic(['backup', '--host', 'db1', hrTree]);
    const source = config([postgresSource(), resticSource({ database: 'orders-db' })]).sources[1] as ResticSourceConfig;
    const { backups } = await resticProbe.observe(source, probeContext({ timeoutMs: 60_000 }));
    const named = backups.filter((b) => b.meta?.databases).map((b) => b.meta!.databases);
    expect(named).toEqual(expect.arrayContaining([['audit', 'billing', 'orders'], ['hr']]));
    expect(named).toHaveLength(2);
  });
});

describe('the server\'s coverage, with the engine', () => {
  it('a restic source linked with database: covers what its dumps name; the finding names only the rest', async () => {
    const store = History.open(join(root, 'history-restic.sqlite'));
    const engine = new Engine({ config: config([postgresSource(), resticSource({ database: 'orders-db', snapshotPath: join(root, 'backup') })]), store });
    try {
      await engine.pollSource('orders-restic');
      const server = await engine.pollSource('orders-db');
      const coverage = server.findings.filter((f) => f.rule === 'coverage');
      expect(coverage).toEqual([
        expect.objectContaining({ status: 'warning', observed: 'hr', message: expect.stringMatching(/^database hr \([\d.]+ [kM]B\) on orders-db has no dump in orders-restic: dump it too, or add it to coverageIgnore$/) }),
      ]);
    } finally {
      engine.stop();
      store.close();
    }
  });

  it('a borg source linked with database: and a dbname for its plain dumps covers every database: no coverage finding', async () => {
    const store = History.open(join(root, 'history-borg.sqlite'));
    const engine = new Engine({ config: config([postgresSource(), borgSource({ database: 'orders-db', dbname: 'hr' })]), store });
    try {
      await engine.pollSource('orders-borg');
      const server = await engine.pollSource('orders-db');
      expect(server.findings.filter((f) => f.rule === 'coverage')).toEqual([]);
    } finally {
      engine.stop();
      store.close();
    }
  });

  it('a cluster backed up only by pgBackRest: the stanza linked with database: covers every database, no "no dump-dir linked"', async () => {
    const store = History.open(join(root, 'history-pgbackrest.sqlite'));
    const stanza = { id: 'orders-pgbackrest', kind: 'pgbackrest', stanza: 'main', configPath: join(root, 'pgbackrest.conf'), database: 'orders-db' };
    const engine = new Engine({ config: config([postgresSource(), stanza]), store });
    try {
      const server = await engine.pollSource('orders-db');
      expect(server.findings.filter((f) => f.rule === 'coverage')).toEqual([]);
      expect(server.status).toBe('ok');
    } finally {
      engine.stop();
      store.close();
    }
  });

  it('with nothing linked, the server is told which kinds it can link', async () => {
    const store = History.open(join(root, 'history-none.sqlite'));
    const engine = new Engine({ config: config([postgresSource()]), store });
    try {
      const server = await engine.pollSource('orders-db');
      const [finding] = server.findings.filter((f) => f.rule === 'coverage');
      expect(finding!.message).toContain('no backup source is linked to orders-db; link a dump-dir, restic, borg, pgbackrest, basebackup or barman source with database: orders-db');
    } finally {
      engine.stop();
      store.close();
    }
  });
});
