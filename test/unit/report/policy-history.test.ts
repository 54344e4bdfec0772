// The policy history (issue 17): every change of a source's or a database's judging limits, with the time it took
// effect, from the config a running engine loads at start and at every reload; never a secret.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { policiesOf } from '../../../electron/engine/report/policy';
import type { Probe } from '../../../electron/engine/sources/probe';
import { DAY, HOUR, T0, openHistory } from '../store/temp-history';
import { SECRETS, auditedConfig, parse } from './audit-fixtures';

/** A probe that sees nothing and never drills: a running engine that only loads its config. */
const idle = (): Probe => ({ kind: 'dump-dir', observe: async () => ({ backups: [], metrics: { kind: 'dump-dir', fileCount: 0, totalBytes: 0, inProgress: 0 } }) });

describe('the policies of a config', () => {
  it('hold the judging limits, with the defaults the rules apply, and no secret', () => {
    const entries = policiesOf(parse(auditedConfig()));
    expect(entries.map((e) => e.subject)).toEqual(['source:orders-db', 'source:orders-dumps', 'source:offsite', 'source:offsite-env', 'database:orders-db/orders']);
    const dumps = entries[1]!.policy;
    expect(dumps).toMatchObject({ kind: 'dump-dir', maxAge: 26 * HOUR, database: 'orders-db', drill: { every: 7 * DAY, minRows: 10, checks: ['recent orders'] } });
    expect(entries[4]!.policy).toEqual({ server: 'orders-db', rpo: 26 * HOUR, rto: HOUR, drillAge: 8 * DAY });
    const text = JSON.stringify(entries);
    for (const secret of [...SECRETS, 'monitor@db1', 'vault.example.net', '/srv/dumps']) expect(text).not.toContain(secret);
  });
});

describe('the policy history', () => {
  it('stores a change when it takes effect, nothing when the same config loads again, and a subject leaving', () => {
    const { history } = openHistory();
    expect(history.recordPolicies(T0, policiesOf(parse(auditedConfig())))).toHaveLength(5);
    expect(history.recordPolicies(T0 + HOUR, policiesOf(parse(auditedConfig())))).toEqual([]);
    const changed = history.recordPolicies(T0 + DAY, policiesOf(parse(auditedConfig({ every: '1d', rpo: '2h' }))));
    expect(changed.map((c) => c.subject)).toEqual(['source:orders-dumps', 'database:orders-db/orders']);
    const without = parse(auditedConfig());
    without.sources = without.sources.filter((s) => s.id !== 'offsite-env');
    expect(history.recordPolicies(T0 + 2 * DAY, policiesOf(without)).map((c) => [c.subject, c.policy === null])).toEqual([
      ['source:orders-dumps', false],
      ['database:orders-db/orders', false],
      ['source:offsite-env', true],
    ]);
    const dumps = history.evidence.policyChanges(T0 + 3 * DAY).filter((c) => c.subject === 'source:orders-dumps');
    expect(dumps.map((c) => [c.at, (c.policy!.drill as { every: number }).every])).toEqual([
      [T0, 7 * DAY],
      [T0 + DAY, DAY],
      [T0 + 2 * DAY, 7 * DAY],
    ]);
    expect(history.evidence.policyChanges(T0 + HOUR)).toHaveLength(5);
  });

  it('is written by a running engine at start and at each config reload', async () => {
    const { history } = openHistory();
    let now = T0;
    const engine = new Engine({ config: parse(auditedConfig()), store: history, probeFor: idle, now: () => now, drillStartDelayMs: 3_600_000, compactionDelayMs: 3_600_000 });
    // Not running yet (a cron check builds an engine too): nothing recorded.
    engine.setConfig(parse(auditedConfig({ maxAge: '2d' })));
    expect(history.evidence.policyChanges(now)).toEqual([]);
    await engine.start();
    now += DAY;
    engine.setConfig(parse(auditedConfig({ maxAge: '3d' })));
    now += DAY;
    engine.setConfig(parse(auditedConfig({ maxAge: '3d' })));
    engine.stop();
    const dumps = history.evidence.policyChanges(now).filter((c) => c.subject === 'source:orders-dumps');
    expect(dumps.map((c) => [c.at, c.policy!.maxAge])).toEqual([
      [T0, 2 * DAY],
      [T0 + DAY, 3 * DAY],
    ]);
  });
});
