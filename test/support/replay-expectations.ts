// What a drill replayed to the end of the archive must show, for every kind that keeps WAL: it reached the last
// segment the test closed, its last replayed commit is the test's last commit (within the timestamp's rounding),
// its recovery point is measured from the later of that commit and the segment's archive time, and it did replay.
import { expect } from 'vitest';
import type { Drill } from '../../shared/model';

export interface ClosedSegment {
  /** The segment pg_switch_wal() closed, archived before the drill. */
  segment: string;
  /** The last commit before the switch (ms since the epoch). */
  lastCommitAt: number;
}

export function expectReplayedTo(result: Drill, last: ClosedSegment): void {
  const recovery = result.recovery!;
  expect(recovery).toMatchObject({ mode: 'end-of-archive', lastReplayedSegment: last.segment });
  expect(Math.abs(recovery.lastCommitAt! - last.lastCommitAt)).toBeLessThan(1000);
  expect(recovery.recoveredTo! - last.lastCommitAt).toBeLessThan(30_000);
  expect(recovery.recoveryPointMs).toBe(result.startedAt - recovery.recoveredTo!);
  expect(result.phases.replay).toBeGreaterThan(0);
}
