// `backup-health report` end to end (issue 17): 90 days of passed, failed and missed drills written through the
// store, and one real drill of a real dump by the real bin; the HTML opened in Chromium shows the summary, each
// drill, each missed window and the database's status changes; the PDF's text carries the same figures; the JSON
// verifies and fails after a one-byte change; no secret of the config shows in any format.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { History } from '../../../electron/engine/store/history';
import type { Evidence } from '../../../electron/engine/report/evidence-model';
import { launchChromium } from '../../support/browser';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { removeTestParentDir, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';
import { SECRETS, auditedConfig, writeAuditHistory } from '../../unit/report/audit-fixtures';

const SHOTS = 'test-results/report';
/** Each test runs the bin several times (a few seconds each, far more on a loaded machine). */
const TEST_TIMEOUT_MS = 240_000;
const parent = testParentDir('report-cli');
const drillDir = testParentDir('report-cli-scratch');
const data = join(parent, 'data');
const dumps = join(parent, 'dumps');
const configFile = join(parent, 'config.yml');
const NOW = Date.now() - 60_000;
const PASSWORD_FILE = join(parent, 'restic-password');
const PASSWORD = 'correct-horse-battery-staple-42';
const ALL_SECRETS = [...SECRETS, PASSWORD_FILE, PASSWORD];
let from: number;
let db: TcpCluster;

const cli = (...args: string[]) => runCli([...args, '--config', configFile, '--data', data]);
const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(dumps, { recursive: true });
  const config = auditedConfig() as { defaults: Record<string, unknown>; sources: unknown[] };
  config.defaults.drillDir = drillDir;
  // A real password file (the config check reads it): neither its path nor its content may show.
  writeFileSync(PASSWORD_FILE, `${PASSWORD}\n`, { mode: 0o600 });
  (config.sources[2] as { passwordFile: string }).passwordFile = PASSWORD_FILE;
  config.sources.push({ id: 'live-dumps', kind: 'dump-dir', path: dumps, pattern: '*.dump', settle: '0s', drill: { checks: [{ name: 'enough customers', sql: 'select count(*) > 100 from customers' }] } });
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const history = History.open(join(data, 'history.sqlite'));
  from = writeAuditHistory(history, NOW).from;
  history.close();

  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, 'CREATE DATABASE shop;');
  await sql(db.cluster, "CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 500) g;", 'shop');
  const file = join(dumps, 'shop-1.dump');
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', file, 'shop']);
  expect(dump.code, dump.stderr).toBe(0);
  const when = new Date(Date.now() - 3_600_000);
  utimesSync(file, when, when);
  const drill = await cli('drill', '--source', 'live-dumps');
  expect(drill.code, drill.stderr + drill.stdout).toBe(0);
}, 240_000);

afterAll(async () => {
  await db?.cluster.stop();
  removeTestParentDir(parent);
  removeTestParentDir(drillDir);
});

describe('backup-health report', () => {
  it('writes JSON that verifies with this installation key, and fails after a one-byte change or with another key', async () => {
    const out = join(parent, 'report.json');
    const made = await cli('report', '--format', 'json', '--out', out);
    expect(made.code, made.stderr).toBe(0);
    const key = (await cli('report', 'key')).stdout.trim();
    expect(key).toMatch(/^SHA256:/);
    const evidence = JSON.parse(readFileSync(out, 'utf8')).evidence as Evidence;
    expect(evidence.signingKey).toBe(key);
    const live = evidence.sources.find((s) => s.id === 'live-dumps')!;
    expect(live.drills).toHaveLength(1);
    expect(live.drills[0]).toMatchObject({ outcome: 'pass', database: 'shop', rows: 500, backup: { key: expect.stringMatching(/shop-1\.dump$/), sizeBytes: expect.any(Number) }, checks: [{ name: 'enough customers', passed: true }] });
    expect(live.drills[0]!.backup.pgDumpVersion).toMatch(/^\d+/);
    // The evidence the drill recorded: the dump's SHA-256 (as sha256sum says), this machine, its tools.
    expect(live.drills[0]!.backup).toMatchObject({ sha256: execFileSync('sha256sum', [join(dumps, 'shop-1.dump')], { encoding: 'utf8' }).split(' ')[0], sha256Of: 'file', sha256Missing: null });
    expect(live.drills[0]).toMatchObject({ host: hostname(), tools: { pg_restore: expect.stringMatching(/^\d+\.\d+/) }, scratchServer: expect.stringMatching(/^\d+\.\d+/) });
    // Drills written through the store without it (older history) say it was not recorded.
    expect(evidence.sources.find((s) => s.id === 'orders-dumps')!.drills[0]!.backup).toMatchObject({ sha256: null, sha256Missing: expect.stringContaining('not recorded') });

    const verified = await cli('report', 'verify', out);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`Trusting only this installation's key ${key}`);
    expect(verified.stdout).toContain('VERIFIED');
    expect((await cli('report', 'verify', out, '--key', key)).code).toBe(0);

    const bytes = readFileSync(out);
    const at = bytes.indexOf('recent orders');
    bytes[at] = 'R'.charCodeAt(0);
    const edited = join(parent, 'edited.json');
    writeFileSync(edited, bytes);
    const refused = await cli('report', 'verify', edited);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/NOT VERIFIED: .*the signature does not match the evidence/);

    const other = await runCli(['report', 'key', '--data', join(parent, 'other-installation')]);
    const foreign = await cli('report', 'verify', out, '--key', other.stdout.trim());
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toContain(`signed by key ${key}, not the trusted key ${other.stdout.trim()}`);
    const badKey = await cli('report', 'verify', out, '--key', 'abc');
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toContain('--key: "abc" is not a key fingerprint');
  }, TEST_TIMEOUT_MS);

  it('writes HTML that Chromium shows whole, with no external resource: the summary, each drill, each missed window', async () => {
    const out = join(parent, 'report.html');
    const made = await cli('report', '--since', '90d', '--out', out);
    expect(made.code, made.stderr).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(out).href);
      expect(requests).toEqual([pathToFileURL(out).href]);
      const text = await page.locator('body').innerText();
      expect(text).toMatch(/Summary\s+Database\s+Status\s+Objectives\s+Met\s+Last proven restore/);
      expect(text).toMatch(/orders on orders-db\s+ok\s+rpo 1d 2h, rto 1h, drillAge 8d\s+met\s+/);
      expect(text).toContain('13 passed, 1 failed');
      expect(text).toContain('Drills expected 18, done 14, missed windows 2.');
      for (const day of [28, 75]) expect(text).toContain(minute(from + day * 86_400_000 + 4 * 3_600_000 + 7 * 60_000));
      const jsonOut = join(parent, 'same.json');
      expect((await cli('report', '--since', '90d', '--format', 'json', '--out', jsonOut)).code).toBe(0);
      const json = JSON.parse(readFileSync(jsonOut, 'utf8')).evidence as Evidence;
      expect(json.sources.find((s) => s.id === 'live-dumps')!.drills).toHaveLength(1);
      for (const source of json.sources) for (const drill of source.drills) expect(text).toContain(minute(Date.parse(drill.startedAt)));
      expect(text).toContain('check "recent orders" returned false');
      const live = json.sources.find((s) => s.id === 'live-dumps')!.drills[0]!;
      expect(text).toContain(`SHA-256 ${live.backup.sha256}`);
      expect(text).toContain(`on ${hostname()} with pg_restore ${live.tools.pg_restore}`);
      expect(text).toMatch(/fixed \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      expect(text).toContain(json.signingKey);
      expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(4);
      // The database's own status changes, as the engine recorded them, each failure with when it was fixed.
      const drillDone = (day: number) => minute(from + day * 86_400_000 + 4 * 3_600_000 + 7 * 60_000);
      const database = await page.locator('section.subject', { hasText: 'Database orders on orders-db' }).innerText();
      expect(database).toContain("Status at the period's start ok.");
      expect(database).toMatch(/Status changes \(2\)/);
      expect(database).toMatch(new RegExp(`${drillDone(49)}\\s+ok → critical\\s+orders-dumps: the last restore drill failed: check "recent orders" returned false \\(fixed ${drillDone(56)}\\)`));
      expect(database).toMatch(new RegExp(`${drillDone(56)}\\s+critical → ok`));
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });
      await page.locator('section.subject', { hasText: 'Source orders-dumps' }).screenshot({ path: join(SHOTS, 'report-source.png') });
      await page.locator('section.subject', { hasText: 'Database orders on orders-db' }).screenshot({ path: join(SHOTS, 'report-database.png') });
      await page.emulateMedia({ media: 'print' });
      await page.screenshot({ path: join(SHOTS, 'report-print.png'), fullPage: false });
    } finally {
      await browser.close();
    }
  }, TEST_TIMEOUT_MS);

  it('prints the PDF with Chromium: its text carries the same figures', async () => {
    const out = join(parent, 'report.pdf');
    const made = await cli('report', '--format', 'pdf', '--out', out, '--paper', 'letter');
    expect(made.code, made.stderr).toBe(0);
    // Reading order, each run of white space one space: a line break where the page wraps a paragraph is a space.
    const text = execFileSync('pdftotext', [out, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Drills expected 18, done 14, missed windows 2.');
    expect(text).toContain('13 passed, 1 failed');
    expect(text).toContain(minute(from + 28 * 86_400_000 + 4 * 3_600_000 + 7 * 60_000));
    const key = (await cli('report', 'key')).stdout.trim();
    expect(text.replace(/\s+/g, '')).toContain(key);
    const pages = execFileSync('pdfinfo', [out], { encoding: 'utf8' });
    expect(pages).toMatch(/Page size:\s+612 x 792 pts \(letter\)/);
  }, TEST_TIMEOUT_MS);

  it('shows no secret of the config in any format', async () => {
    const file = (format: string) => join(parent, `secrets.${format}`);
    for (const format of ['html', 'json', 'pdf']) {
      const made = await cli('report', '--format', format, '--out', file(format));
      expect(made.code, made.stderr).toBe(0);
    }
    const formats = [readFileSync(file('html'), 'utf8'), readFileSync(file('json'), 'utf8'), execFileSync('pdftotext', [file('pdf'), '-'], { encoding: 'utf8' })];
    expect(formats[2]).toContain('orders on orders-db');
    for (const text of formats) for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
  }, TEST_TIMEOUT_MS);

  it('refuses bad options, naming the option and what it takes', async () => {
    const cases: [string[], string][] = [
      [['--format', 'docx'], '--format must be html, pdf or json (found "docx")'],
      [['--since', '3x'], '--since: "3x" is not a duration'],
      [['--since', '7d', '--from', '2026-01-01'], 'use --since or --from/--to, not both'],
      [['--to', '2026-01-01'], '--to needs --from DATE too'],
      [['--from', '01/02/2026'], '--from: "01/02/2026" is not a date (use 2026-09-01'],
      [['--from', '2026-03-01', '--to', '2026-02-01'], '--from must be before --to'],
      [['--source', 'nope'], '--source: no source "nope" in the config (sources: orders-db, orders-dumps, offsite, offsite-env, live-dumps)'],
      [['--database', 'nope'], '--database: no database "nope" is known'],
      [['--format', 'pdf'], '--format pdf needs --out FILE'],
      [['--paper', 'a3'], '--paper must be a4 or letter'],
    ];
    for (const [args, message] of cases) {
      const result = await cli('report', ...args);
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
    const noBrowser = await runCli(['report', '--format', 'pdf', '--out', join(parent, 'x.pdf'), '--config', configFile, '--data', data], { PATH: '/nonexistent' });
    expect(noBrowser.code).toBe(3);
    expect(noBrowser.stderr).toContain('use --format html');
  }, TEST_TIMEOUT_MS);
});
