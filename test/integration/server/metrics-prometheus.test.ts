// A real Prometheus (Debian's) scraping `backup-health serve` every second with the bearer token from a
// credentials file, evaluating contrib/prometheus/alerts.yml, and answering PromQL over its HTTP API: the critical
// source is found by a query, the shipped rules load and go pending for it, a scrape without the token is down,
// and label values that need escaping come back out of Prometheus exactly as they went in.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatExposition } from '../../../electron/server/metrics-format';
import { ensureCliBuilt } from '../../support/cli';
import { freePort, waitFor } from '../../support/postgres-fixtures';
import { serve, type Served } from '../../support/serve';
import { writeDump } from './fixture';

const HOUR = 3_600_000;
const TOKEN = 'prometheus-scrape-token-4f8a1c9e7b2d';
/** Label values the format must escape, and some it must pass through untouched. */
const HOSTILE = ['back\\slash', 'a "quoted" name', 'two\nlines', '} {x="y"} # no comment', 'é ✓ 日本'];

const root = mkdtempSync(join(tmpdir(), 'backup-health-prometheus-'));
let served: Served;
let prometheus: ChildProcess;
let prometheusLog = '';
let escaping: Server;
let api: string;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const answer = (await res.json()) as { status: string; data?: { resultType: string; result: Sample[] }; error?: string };
  if (answer.status !== 'success') throw new Error(`${promql}: ${answer.error}`);
  return answer.data!.result;
}

/** The query's samples once it has any (Prometheus scrapes every second; the first poll judges first). */
async function queryUntilFound(promql: string): Promise<Sample[]> {
  let found: Sample[] = [];
  await expect
    .poll(
      async () => {
        found = await query(promql);
        return found.length;
      },
      { timeout: 60_000, interval: 500 },
    )
    .toBeGreaterThan(0);
  return found;
}

beforeAll(async () => {
  ensureCliBuilt();
  if (!readFileSync('out/cli/index.js', 'utf8').includes('metrics-listen')) execFileSync(process.execPath, ['build/build-cli.mjs'], { stdio: 'inherit' });

  for (const sub of ['fresh', 'stale']) mkdirSync(join(root, sub));
  writeDump(join(root, 'fresh'), 'nightly.sql', HOUR);
  writeDump(join(root, 'stale'), 'nightly.sql', 72 * HOUR);
  const config = join(root, 'config.yml');
  writeFileSync(config, ['sources:', ...['fresh', 'stale'].flatMap((id) => [`  - id: ${id}`, '    kind: dump-dir', `    path: ${join(root, id)}`, '    settle: 0s'])].join('\n') + '\n');
  const tokenFile = join(root, 'metrics-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });

  const metricsPort = await freePort();
  served = await serve(['--config', config, '--data', join(root, 'data'), '--metrics-token-file', tokenFile, '--metrics-listen', `127.0.0.1:${metricsPort}`]);

  escaping = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(formatExposition([{ name: 'escaping_check', help: 'Label values \\ "that" need\nescaping.', type: 'gauge', samples: HOSTILE.map((value, i) => ({ labels: { value }, value: i })) }]));
  });
  await new Promise<void>((done) => escaping.listen(0, '127.0.0.1', done));

  const prometheusPort = await freePort();
  api = `http://127.0.0.1:${prometheusPort}`;
  const target = (port: number) => `[ '127.0.0.1:${port}' ]`;
  const auth = `    authorization: { credentials_file: '${tokenFile}' }`;
  const prometheusConfig = join(root, 'prometheus.yml');
  writeFileSync(
    prometheusConfig,
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      `rule_files: [ '${resolve('contrib/prometheus/alerts.yml')}' ]`,
      'scrape_configs:',
      '  - job_name: backup-health',
      auth,
      `    static_configs: [ { targets: ${target(metricsPort)} } ]`,
      '  - job_name: backup-health-dashboard-listener',
      auth,
      `    static_configs: [ { targets: ${target(served.port)} } ]`,
      '  - job_name: backup-health-without-token',
      `    static_configs: [ { targets: ${target(metricsPort)} } ]`,
      '  - job_name: escaping',
      `    static_configs: [ { targets: ${target((escaping.address() as AddressInfo).port)} } ]`,
      '',
    ].join('\n'),
  );
  prometheus = spawn('prometheus', [`--config.file=${prometheusConfig}`, `--storage.tsdb.path=${join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [prometheus.stdout!, prometheus.stderr!]) stream.setEncoding('utf8').on('data', (chunk: string) => (prometheusLog += chunk));
  await waitFor(`Prometheus ready on ${api} (its log so far: ${prometheusLog.slice(-2000)})`, async () => prometheus.exitCode === null && (await fetch(`${api}/-/ready`).catch(() => null))?.status === 200, { timeoutMs: 30_000, intervalMs: 250 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${prometheusLog.slice(-2000)}`);
  });
}, 60_000);

afterAll(async () => {
  const stopped = (child: ChildProcess | undefined) => child && child.exitCode === null && new Promise((done) => child.once('exit', done));
  const prometheusStopped = stopped(prometheus);
  prometheus?.kill('SIGTERM');
  const serveStopped = stopped(served?.child);
  served?.child.kill('SIGTERM');
  await Promise.all([prometheusStopped, serveStopped]);
  escaping?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a real Prometheus scraping serve', () => {
  it('finds the critical source with a PromQL query, through --metrics-listen and the bearer token', async () => {
    const critical = await queryUntilFound('backup_health_source_status{job="backup-health"} == 2');
    expect(critical.map((s) => [s.metric.source, s.metric.kind, s.value[1]])).toEqual([['stale', 'dump-dir', '2']]);
    const ok = await queryUntilFound('backup_health_source_status{job="backup-health"} == 0');
    expect(ok.map((s) => s.metric.source)).toEqual(['fresh']);
    // The stale dump's age as Prometheus computes it: three days, against the 26 h default maxAge.
    const age = await queryUntilFound('time() - backup_health_newest_backup_timestamp_seconds{job="backup-health",source="stale"}');
    expect(Number(age[0]!.value[1]) / 3600).toBeCloseTo(72, 0);
    expect((await query('backup_health_backup_max_age_seconds{job="backup-health",source="stale"}'))[0]!.value[1]).toBe('93600');
    expect((await queryUntilFound('backup_health_up{job="backup-health"}'))[0]!.value[1]).toBe('1');
  });

  it('scrapes the dashboard listener too, and is refused without the token', async () => {
    const up = async (job: string) => (await queryUntilFound(`up{job="${job}"}`))[0]!.value[1];
    expect(await up('backup-health')).toBe('1');
    expect(await up('backup-health-dashboard-listener')).toBe('1');
    expect(await up('backup-health-without-token')).toBe('0');
    const targets = (await (await fetch(`${api}/api/v1/targets`)).json()) as { data: { activeTargets: { labels: { job: string }; lastError: string }[] } };
    const refused = targets.data.activeTargets.find((t) => t.labels.job === 'backup-health-without-token');
    expect(refused?.lastError).toContain('401');
    expect(JSON.stringify(targets)).not.toContain(TOKEN);
  });

  it('loads contrib/prometheus/alerts.yml and has the stale source pending as critical and stale', async () => {
    const rules = (await (await fetch(`${api}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] } };
    const group = rules.data.groups.find((g) => g.name === 'backup-health');
    expect(group?.rules.length).toBe(12);
    let alerts: { labels: Record<string, string>; state: string }[] = [];
    await expect
      .poll(
        async () => {
          alerts = ((await (await fetch(`${api}/api/v1/alerts`)).json()) as { data: { alerts: typeof alerts } }).data.alerts.filter((a) => a.labels.job === 'backup-health');
          return alerts.map((a) => `${a.labels.alertname} ${a.labels.source}`).sort();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(['BackupHealthBackupStale stale', 'BackupHealthSourceCritical stale']);
    expect(alerts.every((a) => a.state === 'pending')).toBe(true);
    // Every rule evaluated without an error against the real metrics.
    const after = (await (await fetch(`${api}/api/v1/rules`)).json()) as typeof rules;
    for (const rule of after.data.groups.find((g) => g.name === 'backup-health')!.rules) expect([rule.name, rule.health, rule.lastError ?? '']).toEqual([rule.name, 'ok', '']);
  });

  it('reads back label values that need escaping exactly as they were', async () => {
    await queryUntilFound('escaping_check');
    const samples = await query('escaping_check');
    expect(samples.map((s) => [s.metric.value, s.value[1]]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual(HOSTILE.map((value, i) => [value, String(i)]));
    const metadata = (await (await fetch(`${api}/api/v1/metadata?metric=escaping_check`)).json()) as { data: Record<string, { help: string }[]> };
    expect(metadata.data.escaping_check?.[0]?.help).toBe('Label values \\ "that" need\nescaping.');
  });
});
