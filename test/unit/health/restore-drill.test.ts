import { describe, expect, it } from 'vitest';
import type { Drill } from '../../../shared/model';
import { evaluate } from '../../../electron/engine/sources/evaluate';
import { restoreDrill } from '../../../electron/engine/health/rules';
import { DAY, HOUR, NOW, dumpDirInput, dumpDirSource, failedPoll } from './fixtures';

function drill(outcome: Drill['outcome'], ago: number, message = outcome === 'pass' ? 'restored 12 tables, 48,213 rows' : 'pg_restore: could not read from input file: end of file'): Drill {
  return {
    sourceId: 'orders-dumps',
    backupKey: '/var/backups/orders/orders-2024-05-01.dump',
    startedAt: NOW - ago - 60_000,
    finishedAt: NOW - ago,
    outcome,
    phases: { prepare: 500, restore: 40_000, verify: 2_000, cleanup: 100 },
    restoreMs: 42_000,
    tables: 12,
    rows: 48_213,
    restoredBytes: 100_000_000,
    checks: [],
    message,
  };
}

const withDrill = (drillConfig: Record<string, unknown>, drills: { last: Drill | null; lastPassing: Drill | null }) =>
  dumpDirInput({ source: dumpDirSource({ drill: drillConfig }), drills });

describe('restore-drill rule', () => {
  it('is silent for a source without drills configured', () => {
    expect(restoreDrill(dumpDirInput({ drills: { last: drill('fail', HOUR), lastPassing: null } }))).toEqual([]);
  });

  it('a failed last drill is critical, naming the backup and why', () => {
    const [finding] = restoreDrill(withDrill({}, { last: drill('fail', 2 * HOUR), lastPassing: drill('pass', 8 * DAY) }));
    expect(finding).toMatchObject({ rule: 'restore-drill', status: 'critical', observed: 'fail' });
    expect(finding!.message).toBe('the last restore drill (orders-2024-05-01.dump, 2h ago) failed: pg_restore: could not read from input file: end of file');
  });

  it('a drill that could not run is a warning, not a verdict on the backup', () => {
    const findings = restoreDrill(withDrill({}, { last: drill('error', HOUR, 'no space left in /tmp'), lastPassing: drill('pass', DAY) }));
    expect(findings).toEqual([expect.objectContaining({ status: 'warning', message: 'the last restore drill (1h ago) could not run: no space left in /tmp' })]);
  });

  it('warns when no passing drill is newer than drill.maxAge', () => {
    const maxAge = 8 * DAY;
    expect(restoreDrill(withDrill({ maxAge: '8d' }, { last: drill('pass', 7 * DAY), lastPassing: drill('pass', 7 * DAY) }))).toEqual([]);
    const [stale] = restoreDrill(withDrill({ maxAge: '8d' }, { last: drill('pass', 9 * DAY), lastPassing: drill('pass', 9 * DAY) }));
    expect(stale).toMatchObject({ status: 'warning', observed: 9 * DAY, limit: maxAge });
    expect(stale!.message).toContain('9d ago, over the 8d drill.maxAge');
    const [never] = restoreDrill(withDrill({ maxAge: '8d' }, { last: null, lastPassing: null }));
    expect(never!.message).toBe('no restore drill has passed yet (drill.maxAge 8d): run backup-health drill --source orders-dumps');
  });

  it('a scheduled drill is overdue a day after its next run was due', () => {
    expect(restoreDrill(withDrill({ every: '7d' }, { last: drill('pass', 7.5 * DAY), lastPassing: drill('pass', 7.5 * DAY) }))).toEqual([]);
    expect(restoreDrill(withDrill({ every: '7d' }, { last: drill('pass', 8.5 * DAY), lastPassing: drill('pass', 8.5 * DAY) }))[0]).toMatchObject({ status: 'warning', limit: 8 * DAY });
  });

  it('stays critical while the source cannot be polled', () => {
    const input = withDrill({}, { last: drill('fail', HOUR), lastPassing: null });
    const health = evaluate({ ...input, latest: failedPoll('orders-dumps', { code: 'not-found', message: 'no such directory /var/backups/orders' }), consecutiveFailures: 1 });
    expect(health.status).toBe('critical');
    expect(health.findings.map((f) => f.rule)).toEqual(['restore-drill', 'probe-error']);
  });
});
