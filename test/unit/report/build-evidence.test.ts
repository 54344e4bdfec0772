// The evidence of 90 days (issue 17): the policy in force at each time, the schedule kept and each missed window
// judged by the policy of its time, every drill with its backup, the failure and when it was fixed, and the
// database's summary; never a secret.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { buildEvidence, selectionProblem, type EvidenceSelection } from '../../../electron/engine/report/build-evidence';
import type { History } from '../../../electron/engine/store/history';
import { DAY, HOUR, MINUTE, T0, openHistory } from '../store/temp-history';
import { SECRETS, auditedConfig, parse, writeAuditHistory } from './audit-fixtures';

const NOW = T0 + 120 * DAY;

function evidenceOf(history: History, selection: EvidenceSelection = { sources: [], databases: [] }) {
  const config = parse(auditedConfig({ every: '3d' }));
  const engine = new Engine({ config, store: history, now: () => NOW });
  const databases = engine.databases();
  return buildEvidence({ from: NOW - 90 * DAY, to: NOW, now: NOW, config, store: history, databases, summaries: engine.summaries(), selection, generator: { app: 'Backup Health', version: '1.0.0', host: 'audit-host' }, signingKey: 'SHA256:test' });
}

describe('the evidence of a period', () => {
  it('judges the schedule by the policy of its time and lists each missed window', () => {
    const { history } = openHistory();
    const { from } = writeAuditHistory(history, NOW);
    const evidence = evidenceOf(history);
    const dumps = evidence.sources.find((s) => s.id === 'orders-dumps')!;
    expect(dumps.policies.map((p) => [p.from, p.to, (p.policy?.drill as { every: number }).every, p.recorded])).toEqual([
      [new Date(from).toISOString(), new Date(from + 63 * DAY).toISOString(), 7 * DAY, true],
      [new Date(from + 63 * DAY).toISOString(), null, 3 * DAY, true],
    ]);
    const at = (day: number, hours = 0, minutes = 0) => new Date(from + day * DAY + hours * HOUR + minutes * MINUTE).toISOString();
    expect(dumps.schedule).toEqual({
      expected: 9 + 9,
      done: 14,
      missed: [
        { dueAt: at(28, 4, 7), overdueAt: at(29, 4, 7), until: at(42, 4, 7), open: false, everyMs: 7 * DAY, allowanceMs: 8 * DAY },
        { dueAt: at(75, 4, 7), overdueAt: at(76, 4, 7), until: at(81, 4, 7), open: false, everyMs: 3 * DAY, allowanceMs: 4 * DAY },
      ],
    });
  });

  it('holds every drill with its backup, checks and recovery point, and the failure with when it was fixed', () => {
    const { history } = openHistory();
    const { from } = writeAuditHistory(history, NOW);
    const dumps = evidenceOf(history).sources.find((s) => s.id === 'orders-dumps')!;
    expect(dumps.drills).toHaveLength(14);
    const failed = dumps.drills.find((d) => d.outcome === 'fail')!;
    expect(failed).toMatchObject({
      startedAt: new Date(from + 49 * DAY + 4 * HOUR).toISOString(),
      backup: { key: '/srv/dumps/orders-50.dump', type: 'dump', finishedAt: new Date(from + 49 * DAY + 3 * HOUR).toISOString(), sizeBytes: 48_500_000, pgDumpVersion: '15.8', sha256: null },
      restoredWith: '15.8',
      sandboxed: true,
      recoveryPointMs: HOUR,
      checks: [{ name: 'recent orders', passed: false, detail: 'false' }],
      message: 'check "recent orders" returned false',
    });
    expect(dumps.statusChanges).toEqual([
      { at: new Date(from + 49 * DAY + 4 * HOUR + 7 * MINUTE).toISOString(), from: null, to: 'critical', findings: [expect.objectContaining({ rule: 'restore-drill', fixedAt: new Date(from + 56 * DAY + 4 * HOUR + 7 * MINUTE).toISOString() })] },
      { at: new Date(from + 56 * DAY + 4 * HOUR + 7 * MINUTE).toISOString(), from: 'critical', to: 'ok', findings: [] },
    ]);
    expect(dumps.backupAge.length).toBeGreaterThan(10);
  });

  it('summarises each database: objectives of their time, last proven restore, status changes', () => {
    const { history } = openHistory();
    const { from } = writeAuditHistory(history, NOW);
    const evidence = evidenceOf(history);
    const orders = evidence.databases.find((d) => d.key === 'orders-db/orders')!;
    expect(orders.routines).toEqual(['orders-dumps']);
    expect(orders.restores).toHaveLength(14);
    // Each drill restores the night's dump an hour after it finished, in under 9 minutes: within rpo 26h and rto 1h.
    expect(orders.restores.filter((r) => r.rpoMet === true && r.rtoMet === true)).toHaveLength(13);
    expect(orders.restores.find((r) => r.outcome === 'fail')).toMatchObject({ rpoMet: false, rtoMet: false });
    const row = evidence.summary.find((r) => r.key === 'orders-db/orders')!;
    expect(row).toMatchObject({ objectives: { rpoMs: 26 * HOUR, rtoMs: HOUR }, drills: { passed: 13, failed: 1, missedWindows: 2 } });
    expect(row.lastProvenRestore).toMatchObject({ sourceId: 'orders-dumps', backupKey: '/srv/dumps/orders-88.dump' });
    // Day 87's drill, 3 days before the period's end, proved both within drillAge 8d.
    expect(row.objectivesMet).toBe(true);
    // Its status over the period: critical from day 49's failed drill until day 56's passed.
    const at = (day: number) => new Date(from + day * DAY + 4 * HOUR + 7 * MINUTE).toISOString();
    expect(orders.statusAtStart).toBe('ok');
    expect(orders.statusChanges).toEqual([
      { at: at(49), from: 'ok', to: 'critical', findings: [expect.objectContaining({ rule: 'routine:orders-dumps', status: 'critical', fixedAt: at(56) })] },
      { at: at(56), from: 'critical', to: 'ok', findings: [] },
    ]);
  });

  it('selects by source and by database, and says which names it does not know', () => {
    const { history } = openHistory();
    writeAuditHistory(history, NOW);
    expect(evidenceOf(history, { sources: ['offsite'], databases: [] }).sources.map((s) => s.id)).toEqual(['offsite']);
    expect(evidenceOf(history, { sources: [], databases: ['orders'] }).sources.map((s) => s.id)).toEqual(['orders-db', 'orders-dumps']);
    const config = parse(auditedConfig());
    const databases = new Engine({ config, store: history, now: () => NOW }).databases();
    expect(selectionProblem({ sources: ['nope'], databases: [] }, config, databases)).toMatch(/--source: no source "nope" in the config \(sources: orders-db, orders-dumps, offsite, offsite-env\)/);
    expect(selectionProblem({ sources: [], databases: ['shop'] }, config, databases)).toMatch(/--database: no database "shop" is known \(databases: orders\)/);
  });

  it('holds no secret of the config', () => {
    const { history } = openHistory();
    writeAuditHistory(history, NOW);
    const text = JSON.stringify(evidenceOf(history));
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
