// What a heartbeat ping says (success or fail, the one-line body), where a fail ping goes, and the config
// warning when `every` is shorter than the rounds that send it.
import { describe, expect, it } from 'vitest';
import { heartbeatIntervalProblem } from '../../../electron/engine/alerts/heartbeat-check';
import { failUrl, heartbeatSummary } from '../../../electron/engine/alerts/heartbeat-summary';
import type { SourceFacts } from '../../../electron/engine/alerts/types';
import { validateConfig, type Config } from '../../../shared/config';
import type { Status } from '../../../shared/model';

const STALE = 'The newest dump is 3d old (limit 26h): check the pg_dump cron job on db1';

function sources(statuses: Status[], findings: Record<number, SourceFacts['findings']> = {}): Record<string, SourceFacts> {
  return Object.fromEntries(statuses.map((status, i) => [`s${i + 1}`, { name: `Source ${i + 1}`, status, findings: findings[i] ?? [] }]));
}

describe('heartbeatSummary', () => {
  it('counts every status and names the critical source with its worst finding, as a fail ping', () => {
    const facts = { ...sources(['ok', 'ok', 'warning']), 'orders-dumps': { name: 'Orders dumps', status: 'critical' as const, findings: [
      { rule: 'backup-size' as const, status: 'warning' as const, message: 'The newest dump is 40% smaller than the one before' },
      { rule: 'backup-age' as const, status: 'critical' as const, message: STALE },
    ] } };
    expect(heartbeatSummary({ sources: facts })).toEqual({
      kind: 'fail',
      worst: 'critical',
      sources: 4,
      line: `4 sources: 2 ok, 1 warning, 1 critical — orders-dumps: ${STALE}`,
    });
  });

  it('all ok is a success with the counts alone; a warning or unknown is still a success, named', () => {
    expect(heartbeatSummary({ sources: sources(['ok', 'ok']) })).toEqual({ kind: 'success', worst: 'ok', sources: 2, line: '2 sources: 2 ok' });
    const unknown = heartbeatSummary({ sources: sources(['ok', 'warning', 'unknown'], { 2: [{ rule: 'probe-error', status: 'unknown', message: 'db1:5432 did not answer within 10s' }] }) });
    expect(unknown).toEqual({ kind: 'success', worst: 'unknown', sources: 3, line: '3 sources: 1 ok, 1 warning, 1 unknown — s3: db1:5432 did not answer within 10s' });
  });

  it('several critical sources: the first is named and the others counted; a source without findings says its status', () => {
    expect(heartbeatSummary({ sources: sources(['critical', 'critical', 'critical']) }).line).toBe('3 sources: 3 critical — s1: critical; and 2 more critical');
  });

  it('a failing alert channel makes the ping a fail and is said, after the sources', () => {
    const failing = [{ status: 'critical' as const, message: 'e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts undelivered since 02:10' }];
    expect(heartbeatSummary({ sources: sources(['ok']), failingChannels: failing })).toEqual({
      kind: 'fail',
      worst: 'critical',
      sources: 1,
      line: `1 source: 1 ok; 1 alert channel failing — ${failing[0]!.message}`,
    });
  });

  it('stays one line: newlines in a message are flattened and a long message is cut', () => {
    const long = `first line\nsecond line ${'x'.repeat(400)}`;
    const { line } = heartbeatSummary({ sources: sources(['critical'], { 0: [{ rule: 'backup-age', status: 'critical', message: long }] }) });
    expect(line).not.toMatch(/\n/);
    expect(line.startsWith('1 source: 1 critical — s1: first line second line xxx')).toBe(true);
    expect(line.endsWith('x…')).toBe(true);
    expect(line.length).toBeLessThan(260);
  });

  it('no sources: says so, as a success (the monitor is up)', () => {
    expect(heartbeatSummary({ sources: {} })).toEqual({ kind: 'success', worst: 'ok', sources: 0, line: 'no sources' });
  });

  it('a source not judged yet counts as unknown', () => {
    expect(heartbeatSummary({ sources: { fresh: { name: 'Fresh' } } }).line).toBe('1 source: 1 unknown — fresh: unknown');
  });
});

describe('failUrl', () => {
  it('appends /fail to the path and keeps a query string in place', () => {
    expect(failUrl('https://hc-ping.com/0f3a1c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b')).toBe('https://hc-ping.com/0f3a1c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b/fail');
    expect(failUrl('https://hc-ping.com/KEY123456/db-backups?create=1')).toBe('https://hc-ping.com/KEY123456/db-backups/fail?create=1');
    expect(failUrl('http://127.0.0.1:8000/ping/abc-123/?rid=7#x')).toBe('http://127.0.0.1:8000/ping/abc-123/fail?rid=7');
  });
});

describe('heartbeatIntervalProblem', () => {
  function config(raw: Record<string, unknown>): Config {
    const result = validateConfig(raw);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.config;
  }
  const dumps = (id: string, interval?: string) => ({ id, kind: 'dump-dir', path: `/backups/${id}`, ...(interval ? { interval } : {}) });

  it('no heartbeat, or every at least the shortest poll interval: nothing to say', () => {
    expect(heartbeatIntervalProblem(config({ sources: [dumps('a')] }))).toBeNull();
    // defaults: polled every 5m, pinged every 5m
    expect(heartbeatIntervalProblem(config({ sources: [dumps('a')], alerts: { heartbeat: { url: 'https://hc-ping.com/k' } } }))).toBeNull();
    expect(heartbeatIntervalProblem(config({ sources: [dumps('a', '1h'), dumps('b', '2m')], alerts: { heartbeat: { url: 'https://hc-ping.com/k', every: '2m' } } }))).toBeNull();
  });

  it('every shorter than the most frequent poll: a warning on every, saying the interval to set', () => {
    const problem = heartbeatIntervalProblem(config({ sources: [dumps('a', '1h'), dumps('b', '15m')], alerts: { heartbeat: { url: 'https://hc-ping.com/k', every: '5m' } } }));
    expect(problem).toEqual({
      path: 'alerts.heartbeat.every',
      message:
        'is 5m, but the most frequently polled source is polled every 15m: the heartbeat is sent after poll rounds, so pings would come up to 15m apart and the service would report the monitor down; set every to 15m or more (and the check\'s period to match)',
    });
    const byDefault = heartbeatIntervalProblem(config({ defaults: { interval: '10m' }, sources: [dumps('a')], alerts: { heartbeat: { url: 'https://hc-ping.com/k', every: '1m' } } }));
    expect(byDefault?.message).toMatch(/^is 1m, but every source is polled every 10m: .* set every to 10m or more/);
  });

  it('a heartbeat without sources is never sent', () => {
    expect(heartbeatIntervalProblem(config({ alerts: { heartbeat: { url: 'https://hc-ping.com/k' } } }))).toEqual({
      path: 'alerts.heartbeat',
      message: 'no source is configured, so no poll round runs and no heartbeat is sent: the pinged service will report the monitor down',
    });
  });
});
