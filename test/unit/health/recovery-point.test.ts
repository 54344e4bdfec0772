// The recovery-point rule: the newest passing drill that replayed WAL is judged against maxRecoveryPoint.
import { describe, expect, it } from 'vitest';
import { pgbackrestSourceSchema } from '../../../shared/config';
import type { Drill, DrillRecovery } from '../../../shared/model';
import { recoveryPointRule } from '../../../electron/engine/health/rules';
import { HOUR, MINUTE, NOW, dumpDirInput } from './fixtures';

const recovery = (over: Partial<DrillRecovery> = {}): DrillRecovery => ({
  mode: 'end-of-archive', recoveredTo: NOW - 2 * HOUR - 10 * MINUTE, lastCommitAt: NOW - 2 * HOUR - 12 * MINUTE, lastReplayedLsn: '0/5000100', lastReplayedSegment: '000000010000000000000005',
  lastSegmentArchivedAt: NOW - 2 * HOUR - 10 * MINUTE, recoveryPointMs: 10 * MINUTE, walReplayed: 40, replayMs: 12_000, ...over,
});
const drill = (r: DrillRecovery | undefined): Drill => ({
  sourceId: 'demo', backupKey: '20240502-100000F', startedAt: NOW - 2 * HOUR, finishedAt: NOW - 2 * HOUR + 60_000, outcome: 'pass', phases: {}, restoreMs: 50_000, tables: 3, rows: 10, restoredBytes: 1, checks: [], message: 'ok', ...(r ? { recovery: r } : {}),
});
const input = (fields: Record<string, unknown>, d: Drill | null) =>
  dumpDirInput({ source: pgbackrestSourceSchema.parse({ id: 'demo', kind: 'pgbackrest', stanza: 'demo', ...fields }), drills: { last: d, lastPassing: d } });

describe('recovery-point rule', () => {
  it('is silent without maxRecoveryPoint, without a drill that replayed WAL, and within the limit', () => {
    expect(recoveryPointRule(input({}, drill(recovery({ recoveryPointMs: 5 * HOUR }))))).toEqual([]);
    expect(recoveryPointRule(input({ maxRecoveryPoint: '15m' }, drill(undefined)))).toEqual([]);
    expect(recoveryPointRule(input({ maxRecoveryPoint: '15m' }, drill(recovery())))).toEqual([]);
    expect(recoveryPointRule(input({ maxRecoveryPoint: '15m' }, null))).toEqual([]);
  });

  it('is critical over the limit, saying how far behind, to when, and what to check', () => {
    const [finding] = recoveryPointRule(input({ maxRecoveryPoint: '15m' }, drill(recovery({ recoveryPointMs: 3 * HOUR + 10 * MINUTE, recoveredTo: Date.UTC(2024, 4, 2, 8, 50, 0) }))));
    expect(finding).toMatchObject({ rule: 'recovery-point', status: 'critical', observed: 3 * HOUR + 10 * MINUTE, limit: 15 * MINUTE });
    expect(finding!.message).toBe('the last restore drill (20240502-100000F, 1h 59m ago) restored to a point 3h 10m behind its start (restorable up to 2024-05-02 08:50:00 UTC), over maxRecoveryPoint 15m: WAL written after that was not in the archive: check archive_command and the archiver (pg_stat_archiver)');
  });

  it('a drill that replayed only to the backup\'s end says how to measure more', () => {
    const [finding] = recoveryPointRule(input({ maxRecoveryPoint: '1h' }, drill(recovery({ mode: 'backup-end', recoveryPointMs: 20 * HOUR }))));
    expect(finding!.message).toMatch(/set drill.recovery: end-of-archive to replay the archived WAL$/);
  });

  it('warns when the recovery point could not be measured: the objective is not proven', () => {
    expect(recoveryPointRule(input({ maxRecoveryPoint: '1h' }, drill(recovery({ recoveryPointMs: null, recoveredTo: null }))))).toEqual([expect.objectContaining({ rule: 'recovery-point', status: 'warning', observed: null })]);
  });
});
