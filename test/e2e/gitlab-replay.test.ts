// The GitLab outage of 2017, replayed: one real PostgreSQL server holding gitlabhq_production, with the routines
// GitLab had, each broken as theirs was: nightly "pg_dump" files of 20 bytes (an empty gzip: what the
// version-mismatched pg_dump left), an archive_command that fails, a base backup two days old, and a standby
// that stopped replaying, and the off-site copy whose bucket is empty ("Our backups to S3 apparently don't work
// either: the bucket is empty"; an S3-compatible server on 127.0.0.1). Backup Health is `serve` in Debian's Chromium and, for the tray, an engine in this
// process on the same history file with Electron mocked. Every routine is flagged in its own words; the database
// is critical and its page says no routine can restore it within its objectives; the tray is critical. Then each
// routine is repaired in turn (a real dump, drilled; archiving; a new base backup; the upload; the standby) and the database
// turns ok only when the last one is. Screenshots land in test-results/e2e/.
import { gzipSync } from 'node:zlib';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runClient } from '../../electron/engine/drills/scratch-cluster';
import { Engine } from '../../electron/engine/engine';
import { History } from '../../electron/engine/store/history';
import { validateConfig, type Config } from '../../shared/config';
import type { DatabaseSummary } from '../../shared/databases';
import { launchChromium } from '../support/browser';
import { startBaseBackupSetup, type BaseBackupSetup } from '../support/basebackup-fixtures';
import { ensureCliBuilt, runCli } from '../support/cli';
import { MONITOR_USER, quoteLiteral, removeTestParentDir, scratchDirsIn, sql, startStandby, testParentDir, waitFor, type Standby } from '../support/postgres-fixtures';
import { serve, type Served } from '../support/serve';
import { startS3Server, type TestS3Server } from '../support/s3-server';

vi.mock('electron', async () => (await import('../electron/fake-electron')).electron);
const { FakeTray } = await import('../electron/fake-electron');
const { StatusTray, trayState } = await import('../../electron/main/tray');

const SHOTS = 'test-results/e2e';
const DB = 'gitlabhq_production';
const KEY = `gitlab-db/${DB}`;
const DAY = 86_400_000;
const parent = testParentDir('e2e-gitlab');
const dumps = join(parent, 'dumps');
const drillDir = join(parent, 'drills');
const data = join(parent, 'data');
const configFile = join(parent, 'config.yml');
let setup: BaseBackupSetup;
let standby: Standby | null = null;
let served: Served;
let browser: Browser;
let page: Page;
let store: History;
let engine: Engine;
let env: NodeJS.ProcessEnv;
let s3: TestS3Server;
const savedEnv = { ...process.env };

function configText(): string {
  return `defaults:
  drillDir: ${drillDir}
  interval: 10s
sources:
  - id: gitlab-db
    name: GitLab database server
    kind: postgres
    url: postgres://${MONITOR_USER}@127.0.0.1:${setup.port}/${DB}
    passwordEnv: MONITOR_PW
    standbys: [replica1]
  - id: nightly-dumps
    name: Nightly pg_dump
    kind: dump-dir
    path: ${dumps}
    pattern: "*.sql.gz"
    settle: 0s
    maxAge: 26h
    database: gitlab-db
  - id: base-backups
    name: Base backups
    kind: basebackup
    path: ${setup.basePath}
    walArchive: ${setup.walArchive}
    maxAge: 26h
    database: gitlab-db
  - id: offsite-dumps
    name: Off-site dumps
    kind: dump-dir
    url: s3://gitlab-offsite/
    endpoint: ${s3.endpoint}
    pattern: "*.sql.gz"
    settle: 0s
    maxAge: 26h
    database: gitlab-db
databases:
  - { name: ${DB}, server: gitlab-db, rpo: 1h, rto: 1h }
`;
}

/** A base backup's own times moved `ms` into the past: its backup_label, its archived .backup file, its manifest. */
function ageBaseBackup(label: string, dir: string, startSegment: string, ms: number): void {
  const shift = (text: string) =>
    text.replace(/^((?:START|STOP) TIME: )(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/gm, (_m, head: string, when: string) => `${head}${new Date(Date.parse(`${when.replace(' ', 'T')}Z`) - ms).toISOString().slice(0, 19).replace('T', ' ')}`);
  const history = readdirSync(setup.walArchive).find((name) => name.startsWith(startSegment) && name.endsWith('.backup'));
  expect(history, `the .backup file of ${label}`).toBeDefined();
  for (const file of [join(dir, 'backup_label'), join(setup.walArchive, history!)]) {
    const before = readFileSync(file, 'utf8');
    const after = shift(before);
    expect(after).not.toBe(before);
    writeFileSync(file, after);
  }
  const old = new Date(Date.now() - ms);
  utimesSync(join(dir, 'backup_manifest'), old, old);
}

/** pg_dump of gitlabhq_production, gzipped as the nightly job writes it. */
async function nightlyDump(name: string): Promise<void> {
  const plain = join(parent, 'dump.sql');
  const dump = await runClient(setup.firstPrimary, 'pg_dump', ['-f', plain, DB]);
  expect(dump.code, dump.stderr).toBe(0);
  writeFileSync(join(dumps, name), gzipSync(readFileSync(plain)));
}

async function database(): Promise<DatabaseSummary> {
  await engine.pollAll();
  const found = engine.databases().find((d) => d.key === KEY);
  expect(found, `${KEY} among ${engine.databases().map((d) => d.key).join(', ')}`).toBeDefined();
  return found!;
}

const findingsOf = (id: string) => engine.summary(id).findings.map((f) => `${f.rule}: ${f.message}`);

/** The fixture's working archive_command, kept while it is broken. */
let archiveCommand = '';

async function archivingFixed(): Promise<void> {
  await sql(setup.primary(), `ALTER SYSTEM SET archive_command = ${quoteLiteral(archiveCommand)}; SELECT pg_reload_conf();`);
  await setup.writeLoad(50);
  await setup.switchAndWait();
}

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(SHOTS, { recursive: true });
  for (const dir of [dumps, drillDir]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  setup = await startBaseBackupSetup({ parentDir: parent });
  await sql(setup.primary(), `CREATE DATABASE ${DB};`);
  await sql(setup.primary(), 'CREATE TABLE projects AS SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 3000) g;', DB);
  // The base backup: taken, then made two days old (its own label, history file and manifest say so).
  const base = await setup.backup({ format: 'plain', label: 'base-monday' });
  ageBaseBackup(base.label, base.dir, base.startSegment, 2 * DAY);
  await setup.writeLoad(100);
  await setup.switchAndWait();
  // The standby, streaming as replica1, then stopped: replication has broken.
  standby = await startStandby(setup.firstPrimary, { parentDir: parent, name: 'replica1' });
  await standby.stop();
  standby = null;
  // archive_command fails from now on: WAL shipping has broken.
  archiveCommand = await sql(setup.primary(), 'SHOW archive_command;');
  expect(archiveCommand).not.toBe('');
  await sql(setup.primary(), `ALTER SYSTEM SET archive_command = 'false'; SELECT pg_reload_conf();`);
  await setup.writeLoad(50);
  await sql(setup.primary(), 'SELECT pg_switch_wal();');
  await waitFor('archiving to fail', async () => (await sql(setup.primary(), 'SELECT failed_count > 0 FROM pg_stat_archiver;')) === 't', { timeoutMs: 60_000 });
  // A week of nightly dumps, each 20 bytes: an empty gzip.
  for (let night = 1; night <= 7; night++) {
    const file = join(dumps, `gitlab-${night}.sql.gz`);
    writeFileSync(file, gzipSync(Buffer.alloc(0)));
    const when = new Date(Date.now() - (8 - night) * DAY + 3_600_000);
    utimesSync(file, when, when);
  }
  expect(gzipSync(Buffer.alloc(0)).length).toBe(20);
  // The off-site bucket: there, and empty. Its credentials reach serve and this process's engine as the SDK reads them.
  s3 = await startS3Server();
  await s3.createBucket('gitlab-offsite');
  writeFileSync(configFile, configText());
  env = { MONITOR_PW: setup.monitorPassword, ...s3.env() };
  Object.assign(process.env, env);
  const parsed = validateConfig((await import('yaml')).parse(configText()));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  mkdirSync(data, { recursive: true });
  served = await serve(['--config', configFile, '--data', data, '--port', '0'], env);
  store = History.open(join(data, 'history.sqlite'));
  engine = new Engine({ config: parsed.config as Config, store });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(served.url);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (served) {
    served.child.kill('SIGTERM');
    await served.exited;
  }
  store?.close();
  await standby?.stop();
  await setup?.stop();
  process.env = savedEnv;
  await s3?.stop();
  expect(scratchDirsIn(parent)).toEqual([]);
  removeTestParentDir(parent);
}, 120_000);

const row = () => page.locator(`[data-testid="database-row"][data-key="${KEY}"]`);

describe('the GitLab outage, replayed', () => {
  it('flags every routine in its own words, the database critical with its objectives missed, in the page and the tray', async () => {
    const db = await database();
    expect(findingsOf('nightly-dumps').join('\n')).toMatch(/backup-unreadable: .*gitlab-7\.sql\.gz/);
    expect(findingsOf('base-backups').join('\n')).toMatch(/backup-age: .*2d/);
    expect(findingsOf('gitlab-db').join('\n')).toMatch(/wal-archiving: archiving \S+ failed .* check archive_command and the server log/);
    expect(findingsOf('gitlab-db').join('\n')).toMatch(/replication: standby replica1 is not connected to/);
    expect(findingsOf('offsite-dumps').join('\n')).toMatch(/no-backups: the bucket holds no backups: no object matching "\*\.sql\.gz" in s3:\/\/gitlab-offsite\//);
    expect(db.status).toBe('critical');
    expect(db.routines.map((r) => [r.sourceId, r.status])).toEqual([
      ['base-backups', 'critical'],
      ['nightly-dumps', 'critical'],
      ['offsite-dumps', 'critical'],
    ]);
    expect(db.server).toMatchObject({ id: 'gitlab-db', status: 'critical' });
    expect(db.findings).toEqual([expect.objectContaining({ rule: 'database-objectives', status: 'critical', message: expect.stringMatching(/^gitlabhq_production on gitlab-db misses its recovery objectives: no drill has ever restored it/) })]);

    // The tray, through the Electron mock: critical, the database first.
    const tray = new StatusTray('build/tray', { openSource: vi.fn(), openDatabase: vi.fn(), openDashboard: vi.fn(), pollNow: vi.fn(), setLaunchAtLogin: vi.fn(), quit: vi.fn() }, trayState(engine.summaries(), Date.now(), { launchAtLogin: false, databases: engine.databases() }));
    const fake = FakeTray.instances.at(-1)!;
    expect(fake.image.path).toMatch(/critical\.png$/);
    expect(fake.menu!.items[0]!.label).toBe(`● ${DB} on gitlab-db — critical — misses its recovery objectives`);
    tray.destroy();

    // The Databases page in Chromium, from serve's own polls.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Databases' }).click();
    await expect.poll(() => row().getAttribute('data-status'), { timeout: 60_000 }).toBe('critical');
    await expect.poll(() => row().getByTestId('database-findings').textContent(), { timeout: 60_000 }).toMatch(/misses its recovery objectives/);
    await page.screenshot({ path: join(SHOTS, 'gitlab-databases.png'), fullPage: true });
    await row().getByTestId('database-findings').click();
    await page.getByTestId('database-page').waitFor();
    expect(await page.getByTestId('findings').textContent()).toContain('misses its recovery objectives');
    // The empty bucket is named among the routines that hold the database: critical, no backups found.
    const offsite = page.locator('[data-testid="routine"][data-source="offsite-dumps"]');
    expect(await offsite.textContent()).toMatch(/Off-site dumps.*no backups found/);
    expect(await offsite.locator('[data-status]').first().getAttribute('data-status')).toBe('critical');
    await page.screenshot({ path: join(SHOTS, 'gitlab-database.png'), fullPage: true });
  }, 240_000);

  it('turns ok only when the last routine is repaired', async () => {
    // 1. A real nightly dump, and a drill of it: the objectives are met, the other routines still broken.
    await nightlyDump('gitlab-8.sql.gz');
    const drill = await runCli(['drill', '--source', 'nightly-dumps', '--config', configFile, '--data', data], env);
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);
    let db = await database();
    expect(engine.summary('nightly-dumps').status).toBe('ok');
    expect(db.findings).toEqual([]);
    expect(db.status).toBe('critical');

    // 2. archive_command works again.
    await archivingFixed();
    db = await database();
    expect(findingsOf('gitlab-db').some((f) => f.startsWith('wal-archiving'))).toBe(false);
    expect(db.status).toBe('critical');

    // 3. A new base backup.
    await setup.backup({ format: 'plain', label: 'base-thursday' });
    db = await database();
    expect(engine.summary('base-backups').status).toBe('ok');
    expect(db.status).toBe('critical');

    // 4. The nightly job uploads its dump to the bucket again.
    await s3.put('gitlab-offsite', 'gitlab-8.sql.gz', readFileSync(join(dumps, 'gitlab-8.sql.gz')));
    db = await database();
    expect(engine.summary('offsite-dumps').status).toBe('ok');
    expect(db.status).toBe('critical');

    // 5. The standby streams again: the last one.
    standby = await startStandby(setup.firstPrimary, { parentDir: parent, name: 'replica1' });
    await waitFor('replica1 streaming', async () => (await sql(setup.primary(), "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'replica1';")) === '1', { timeoutMs: 60_000 });
    db = await database();
    expect(db.server).toMatchObject({ status: 'ok', findings: [] });
    expect(db.status).toBe('ok');
    expect(trayState(engine.summaries(), Date.now(), { launchAtLogin: false, databases: engine.databases() }).status).toBe('ok');

    await page.goto(`${served.origin}/#/databases`);
    await expect.poll(() => row().getAttribute('data-status'), { timeout: 60_000 }).toBe('ok');
    await page.screenshot({ path: join(SHOTS, 'gitlab-repaired.png'), fullPage: true });
  }, 300_000);
});
