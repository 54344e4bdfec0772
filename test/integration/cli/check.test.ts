// `backup-health check | history | config check` end to end: the real bin, a real PostgreSQL, real pg_dump
// archives, the real history file. What a sysadmin running it from cron or Nagios would see.
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';

const parent = testParentDir('cli');
const work = join(parent, 'work');
const dumps = join(work, 'dumps');
const data = join(work, 'data');
let db: TcpCluster;
let hangingServer: Server;
const hangingSockets: Socket[] = [];
let hangingPort = 0;
const env = () => ({ MONITOR_PW: db.monitorPassword });
const HOUR = 3_600_000;

function writeConfig(name: string, sources: string): string {
  const file = join(work, name);
  writeFileSync(file, `defaults:\n  timeout: 3s\nsources:\n${sources}`);
  return file;
}

const postgresSource = (extra = '') => `
  - id: orders-db
    kind: postgres
    url: ${db.url('orders')}
    passwordEnv: MONITOR_PW
${extra}`;

const dumpSource = ({ path = dumps, linked = true } = {}) => `
  - id: orders-dumps
    kind: dump-dir
    path: ${path}
    pattern: "*.dump"
    maxAge: 26h
    settle: 0s
${linked ? '    database: orders-db\n' : ''}`;

const check = (config: string, ...more: string[]) => runCli(['check', '--config', config, '--data', data, ...more], env());

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(dumps, { recursive: true });
  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, 'CREATE DATABASE orders; CREATE DATABASE billing;');
  await sql(db.cluster, 'CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 20000) g;', 'orders');
  // A week of nightly dumps: the newest from last night, six older copies of it dated a day apart each.
  const newest = join(dumps, 'orders-7.dump');
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', newest, 'orders']);
  expect(dump.code, dump.stderr).toBe(0);
  for (let day = 1; day <= 7; day++) {
    const file = join(dumps, `orders-${day}.dump`);
    if (day !== 7) copyFileSync(newest, file);
    const when = new Date(Date.now() - (8 - day) * 24 * HOUR + HOUR);
    utimesSync(file, when, when);
  }
  // A server that accepts connections and never answers: a hung PostgreSQL, a stuck NFS mount.
  hangingServer = createServer((socket) => hangingSockets.push(socket));
  await new Promise<void>((resolve) => hangingServer.listen(0, '127.0.0.1', resolve));
  hangingPort = (hangingServer.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of hangingSockets) socket.destroy();
  await new Promise((resolve) => hangingServer?.close(resolve));
  await db?.cluster.stop();
  expect(scratchDirsIn(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('backup-health check', () => {
  it('exits 0 and prints a table when every source is fine', async () => {
    const config = writeConfig('ok.yml', postgresSource('    coverageIgnore: [postgres, billing]') + dumpSource());
    const result = await check(config);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('BACKUP HEALTH OK - 2 ok');
    expect(lines[2]).toMatch(/^SOURCE\s+STATUS\s+NEWEST BACKUP\s+SIZE\s+LAST RESTORE\s+FINDING$/);
    expect(result.stdout).toMatch(/orders-dumps\s+OK\s+23h ago\s+\d+(\.\d)? kB/);
    expect(result.stdout).toMatch(/orders-db\s+OK\s+—/);
    // the database section: orders, on orders-db, held by the dumps, never restored yet
    expect(result.stdout).toMatch(/^DATABASE\s+SERVER\s+STATUS\s+ROUTINES\s+LAST RESTORE\s+RECOVERY POINT\s+FINDING$/m);
    expect(result.stdout).toMatch(/^orders\s+orders-db\s+OK\s+orders-dumps ok\s+never\s+—/m);
  });

  it('exits 1 on a warning: a database no dump covers', async () => {
    const config = writeConfig('coverage.yml', postgresSource() + dumpSource());
    const result = await check(config, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('warning');
    const dbReport = report.sources.find((s: { id: string }) => s.id === 'orders-db');
    expect(dbReport).toMatchObject({ kind: 'postgres', status: 'warning', newestBackup: null });
    expect(dbReport.findings).toEqual([expect.objectContaining({ rule: 'coverage', status: 'warning', message: expect.stringContaining('billing') })]);
    // the same gap seen from the database: billing is held by no routine
    const billing = report.databases.find((d: { key: string }) => d.key === 'orders-db/billing');
    expect(billing).toMatchObject({ name: 'billing', server: 'orders-db', status: 'warning', routines: [] });
    expect(billing.findings).toEqual([{ rule: 'database-coverage', status: 'warning', message: expect.stringContaining('no backup holds billing on orders-db') }]);
    expect(report.databases.find((d: { key: string }) => d.key === 'orders-db/orders')).toMatchObject({ status: 'ok', routines: [expect.objectContaining({ sourceId: 'orders-dumps', kind: 'dump-dir', holds: 'dumps' })] });
  });

  it('exits 2 on the GitLab failure: last night\'s dump is a few bytes', async () => {
    const broken = join(work, 'dumps-gitlab');
    mkdirSync(broken, { recursive: true });
    for (let day = 1; day <= 6; day++) {
      const file = join(broken, `orders-${day}.dump`);
      copyFileSync(join(dumps, `orders-${day}.dump`), file);
      const when = new Date(Date.now() - (8 - day) * 24 * HOUR);
      utimesSync(file, when, when);
    }
    // What pg_dump 9.2 left behind when it refused to dump a 9.6 server.
    writeFileSync(join(broken, 'orders-7.dump'), 'PGDMP');
    const config = writeConfig('gitlab.yml', postgresSource('    coverageIgnore: [postgres, billing]') + dumpSource({ path: broken }));
    const result = await check(config, '--json');
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('critical');
    const dumpReport = report.sources.find((s: { id: string }) => s.id === 'orders-dumps');
    expect(dumpReport.status).toBe('critical');
    expect(dumpReport.newestBackup).toEqual({ key: join(broken, 'orders-7.dump'), finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), sizeBytes: 5 });
    expect(dumpReport.findings.map((f: { rule: string }) => f.rule)).toContain('backup-unreadable');

    const table = await check(config);
    expect(table.code).toBe(2);
    // orders is critical too: its one routine is
    expect(table.stdout.split('\n')[0]).toBe('BACKUP HEALTH CRITICAL - 1 critical, 1 ok, 1 database critical');
    expect(table.stdout).toMatch(/orders-dumps\s+CRITICAL\s+\S+ ago\s+5 bytes\s+\S/);
    expect(table.stdout).toMatch(/^orders\s+orders-db\s+CRITICAL\s+orders-dumps critical\s+never/m);
  });

  it('exits 3 when a source cannot be observed, naming host and reason, and a hanging server blocks nothing', async () => {
    const config = writeConfig(
      'unknown.yml',
      `
  - id: hung-db
    kind: postgres
    url: postgres://monitor@127.0.0.1:${hangingPort}/orders
    passwordEnv: MONITOR_PW
    timeout: 2s
` + dumpSource({ linked: false }),
    );
    const result = await check(config, '--json');
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout);
    const hung = report.sources.find((s: { id: string }) => s.id === 'hung-db');
    expect(hung.status).toBe('unknown');
    expect(hung.findings[0]).toMatchObject({ rule: 'probe-error', status: 'unknown', message: expect.stringContaining(`127.0.0.1:${hangingPort}`) });
    // The source's own 2s timeout ended the wait (the server never answers, so nothing else could have).
    expect(hung.findings[0].message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 2s/);
    // The dump directory was judged as usual while the server hung.
    expect(report.sources.find((s: { id: string }) => s.id === 'orders-dumps').status).toBe('ok');
  });

  it('exits 3 and names file, field and fix when the config is broken; history is untouched', async () => {
    const config = writeConfig('broken.yml', dumpSource({ linked: false }).replace('maxAge: 26h', 'maxAge: "26 hours"'));
    const result = await check(config);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(`${config}: sources[0].maxAge: "26 hours" is not a duration (use 90s, 15m, 26h, 7d)`);
  });

  it('never prints the password', async () => {
    const config = writeConfig('secret.yml', postgresSource() + dumpSource());
    const results = await Promise.all([check(config), check(config, '--json'), runCli(['history', '--source', 'orders-db', '--config', config, '--data', data, '--json'], env())]);
    for (const r of results) expect(r.stdout + r.stderr).not.toContain(db.monitorPassword);
  });
});

describe('backup-health history', () => {
  it('shows the polls, backups and status changes recorded by earlier checks', async () => {
    const config = writeConfig('history.yml', postgresSource() + dumpSource());
    const result = await runCli(['history', '--source', 'orders-dumps', '--since', '1d', '--config', config, '--data', data, '--json']);
    expect(result.code).toBe(0);
    const history = JSON.parse(result.stdout);
    expect(history.polls.length).toBeGreaterThanOrEqual(4);
    // Backups are stored once, when first seen: seven good ones and the few-byte one from the GitLab run.
    const keys = history.backups.map((b: { key: string }) => b.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain(join(dumps, 'orders-7.dump'));
    expect(keys).toContain(join(work, 'dumps-gitlab', 'orders-7.dump'));
    // It went ok -> critical (GitLab) -> ok again, and each change is an event.
    const changes = history.events.map((e: { from: string | null; to: string }) => `${e.from}->${e.to}`);
    expect(changes).toEqual(expect.arrayContaining(['null->ok', 'ok->critical', 'critical->ok']));

    const text = await runCli(['history', '--source', 'orders-dumps', '--config', config, '--data', data]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^orders-dumps: history since /);
    expect(text.stdout).toMatch(/Status changes \(\d+\)/);
    expect(text.stdout).toContain('orders-7.dump');
  });

  it('refuses an unknown source and names the ones there are', async () => {
    const config = writeConfig('history2.yml', dumpSource({ linked: false }));
    const result = await runCli(['history', '--source', 'nope', '--config', config, '--data', data]);
    expect(result.code).toBe(3);
    expect(result.stderr.trim()).toBe('--source: no source "nope" in the config (sources: orders-dumps)');
  });
});

describe('backup-health config check', () => {
  it('prints every problem, one line each, and exits 3 (a config problem, as for every command)', async () => {
    const config = writeConfig(
      'bad.yml',
      `
  - id: Orders
    kind: dump-dir
    path: /x
    maxAge: soon
  - id: b
    kind: postgres
    url: postgres://u:pw@h/d
`,
    );
    const result = await runCli(['config', 'check', '--config', config]);
    expect(result.code).toBe(3);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      `${config}: sources[0].id: must be lowercase letters, digits and dashes, like orders-db; found the text "Orders"`,
      `${config}: sources[0].maxAge: "soon" is not a duration (use 90s, 15m, 26h, 7d)`,
      `${config}: sources[1].url: contains a password; remove it from the URL and use passwordEnv, passwordFile or ~/.pgpass`,
    ]);
  });

  it('says ok with the number of sources', async () => {
    const config = writeConfig('fine.yml', dumpSource({ linked: false }));
    const result = await runCli(['config', 'check', '--config', config]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`${config}: ok (1 source)`);
  });
});
