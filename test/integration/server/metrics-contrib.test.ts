// The files in contrib/ against what serve really exports: promtool's own tests of the alerting rules, and every
// metric the rules and the Grafana dashboard query found among the families of a real /metrics scrape (a family
// with no samples yet, such as the alert channels', is still listed there by its HELP and TYPE lines).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt } from '../../support/cli';
import { waitFor } from '../../support/postgres-fixtures';
import { serve, type Served } from '../../support/serve';
import { raw, writeDump } from './fixture';

const TOKEN = 'contrib-check-token-0123456789';
const root = mkdtempSync(join(tmpdir(), 'backup-health-metrics-contrib-'));
let served: Served;
/** Every family name /metrics lists, read from its TYPE lines. */
let exported: Set<string>;

beforeAll(async () => {
  ensureCliBuilt();
  if (!readFileSync('out/cli/index.js', 'utf8').includes('metrics-listen')) execFileSync(process.execPath, ['build/build-cli.mjs'], { stdio: 'inherit' });
  const dumps = join(root, 'dumps');
  mkdirSync(dumps);
  writeDump(dumps, 'nightly.sql', 3_600_000);
  const config = join(root, 'config.yml');
  writeFileSync(config, `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n    settle: 0s\n    drill: { maxAge: 8d }\n`);
  served = await serve(['--config', config, '--data', join(root, 'data'), '--metrics-token', TOKEN]);
  const text = await waitFor('the first poll in /metrics', async () => {
    const body = (await raw(served.port, { path: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
    return body.includes('backup_health_last_probe_timestamp_seconds{source="nightly"') && body;
  });
  exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}, 60_000);

afterAll(async () => {
  if (served?.child.exitCode === null) {
    served.child.kill('SIGTERM');
    await served.exited;
  }
  rmSync(root, { recursive: true, force: true });
});

/** The backup_health_* names a PromQL expression uses. */
function metricNames(promql: string): string[] {
  return [...promql.matchAll(/\bbackup_health_[a-z_]+\b/g)].map((m) => m[0]);
}

describe('contrib/prometheus/alerts.yml', () => {
  it("passes promtool's rule check and its own tests (alerts.test.yml)", () => {
    const check = spawnSync('promtool', ['check', 'rules', 'contrib/prometheus/alerts.yml'], { encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).toContain('SUCCESS: 12 rules found');
    expect(check.status).toBe(0);
    const tests = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: 'contrib/prometheus', encoding: 'utf8' });
    expect(`${tests.stdout}${tests.stderr}`).toContain('SUCCESS');
    expect(tests.status, `${tests.stdout}${tests.stderr}`).toBe(0);
  }, 60_000);

  it('uses only metrics serve exports', () => {
    const expressions = [...readFileSync('contrib/prometheus/alerts.yml', 'utf8').matchAll(/^\s+expr: (\|\n(?:\s{10}.*\n)+|.*)$/gm)].map((m) => m[1]!);
    expect(expressions.length).toBe(12);
    const used = [...new Set(expressions.flatMap(metricNames))].sort();
    expect(used).toEqual([
      'backup_health_alert_channel_last_delivery_success',
      'backup_health_backup_max_age_seconds',
      'backup_health_database_objectives_met',
      'backup_health_last_restore_timestamp_seconds',
      'backup_health_newest_backup_timestamp_seconds',
      'backup_health_probe_consecutive_failures',
      'backup_health_restore_max_age_seconds',
      'backup_health_source_status',
      'backup_health_up',
      'backup_health_wal_missing_segments',
    ]);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });
});

describe('contrib/grafana/backup-health.json', () => {
  interface Panel {
    title: string;
    targets?: { expr: string }[];
    panels?: Panel[];
  }
  const dashboard = JSON.parse(readFileSync('contrib/grafana/backup-health.json', 'utf8')) as {
    uid: string;
    panels: Panel[];
    templating: { list: { name: string; definition?: string }[] };
  };
  const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);

  it('is a dashboard with panels that each query something', () => {
    expect(dashboard.uid).toBe('backup-health');
    const all = panels(dashboard.panels);
    expect(all.length).toBeGreaterThan(10);
    for (const panel of all) expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
  });

  it('queries only metrics serve exports, and shows every source metric it exports', () => {
    const expressions = [...panels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : []))];
    const used = new Set(expressions.flatMap(metricNames));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    // The other way round: a metric added to the exporter and left off the dashboard shows here.
    expect([...exported].filter((name) => !used.has(name))).toEqual([]);
  });
});
