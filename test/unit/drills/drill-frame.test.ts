// The one drill frame: what each way of stopping ends as, cleanups that always run, restoreMs, and progress that
// is throttled but never loses the first or last event of a phase, nor breaks on a listener's bug.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { DrillProgress } from '../../../shared/model';
import { runDrill, type DrillFrame } from '../../../electron/engine/drills/drill-frame';
import { drillError, fail } from '../../../electron/engine/drills/restore-plan';
import { ProbeError } from '../../../electron/engine/errors';

const base = { sourceId: 'shop', backupKey: '/srv/dumps/shop.dump' };

/** A clock only the test moves (the frame's `clock` option): durations are exact, whatever the machine's load. */
function testClock(): { clock: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { clock: () => t, advance: (ms) => void (t += ms) };
}

/** Walks the frame through copy, restore and verify, then does `last`. */
async function through(frame: DrillFrame, last: () => Promise<string> | string = () => 'restored'): Promise<string> {
  frame.enter('copy');
  await sleep(5);
  frame.enter('restore');
  await sleep(5);
  frame.enter('verify');
  await sleep(5);
  return last();
}

describe('runDrill', () => {
  it('a passing drill: its phases, and restoreMs as copy + restore + verify', async () => {
    const time = testClock();
    const drill = await runDrill({ ...base, clock: time.clock }, async (frame) => {
      frame.evidence.tables = [{ schema: 'public', name: 'orders', rows: 7 }, { schema: 'public', name: 'gone', rows: null }];
      frame.onCleanup('the restore tree', () => time.advance(13));
      time.advance(3);
      frame.enter('copy');
      time.advance(5);
      frame.enter('restore');
      time.advance(7);
      frame.enter('verify');
      time.advance(11);
      return 'restored';
    });
    expect(drill).toMatchObject({ ...base, outcome: 'pass', message: 'restored', tables: 2, rows: 7 });
    expect(drill.phases).toEqual({ prepare: 3, copy: 5, restore: 7, verify: 11, cleanup: 13 });
    expect(drill.restoreMs).toBe(5 + 7 + 11); // neither preparing nor cleanup
  });

  it('on the machine\'s own clock by default: restoreMs is still the sum of its phases, and the time spent counts', async () => {
    const drill = await runDrill(base, (frame) => through(frame));
    expect(drill.restoreMs).toBe(drill.phases.copy! + drill.phases.restore! + drill.phases.verify!);
    expect(drill.restoreMs).toBeGreaterThan(0);
  });

  it('no restore time when the drill never got to verify', async () => {
    const drill = await runDrill(base, async (frame) => {
      frame.enter('restore');
      throw fail('the backup is truncated');
    });
    expect(drill).toMatchObject({ outcome: 'fail', message: 'the backup is truncated', restoreMs: null });
  });

  it.each([
    ['a DrillStop', drillError('no PostgreSQL 17 here'), 'error', 'no PostgreSQL 17 here'],
    ['a ProbeError (ssh, a tool)', new ProbeError('auth-failed', 'backup1 refused the ssh login'), 'error', 'backup1 refused the ssh login'],
    ['anything else', new TypeError('x is undefined'), 'error', 'the drill itself failed during the verify phase: x is undefined'],
  ])('%s becomes its outcome', async (_, thrown, outcome, message) => {
    const drill = await runDrill(base, (frame) => through(frame, () => Promise.reject(thrown)));
    expect(drill).toMatchObject({ outcome, message });
  });

  it('cancelled: an error naming the phase, whatever the step threw then', async () => {
    const cancel = new AbortController();
    const drill = await runDrill({ ...base, signal: cancel.signal }, async (frame) => {
      frame.enter('copy');
      cancel.abort();
      throw fail('tar: unexpected end of file');
    });
    expect(drill).toMatchObject({ outcome: 'error', message: 'the drill was cancelled during the copy phase' });
  });

  it('out of time: the deadline aborts the signal the steps wait on', async () => {
    const drill = await runDrill({ ...base, timeoutMs: 50 }, async (frame) => {
      frame.enter('restore');
      expect(frame.remaining()).toBeGreaterThan(1000); // a tool gets a little more: the drill's deadline fires first
      await frame.abortable(new Promise(() => {}));
      return 'never';
    });
    expect(drill.outcome).toBe('error');
    expect(drill.message).toMatch(/^the drill did not finish within 50ms \(stopped during the restore phase\)/);
  });

  it('cleanups run in the cleanup phase, newest first, whatever happened; a failed one is said', async () => {
    const ran: string[] = [];
    const drill = await runDrill(base, async (frame) => {
      frame.onCleanup('the restore tree /tmp/t', () => ran.push(`tree in ${frame.phase}`));
      frame.onCleanup(
        () => 'the scratch cluster in /tmp/c',
        () => {
          ran.push('cluster');
          throw new Error('EBUSY');
        },
      );
      frame.note('a temp dir was left on backup1');
      throw fail('the backup does not restore cleanly');
    });
    expect(ran).toEqual(['cluster', 'tree in cleanup']);
    expect(drill.outcome).toBe('fail');
    expect(drill.message).toBe('the backup does not restore cleanly (and the scratch cluster in /tmp/c could not be removed: EBUSY) (a temp dir was left on backup1)');
  });
});

describe('progress', () => {
  it('throttled to one event per 100 ms, but the first and last event of each phase always arrive', async () => {
    const events: DrillProgress[] = [];
    const time = testClock();
    await runDrill({ ...base, clock: time.clock, onProgress: (p) => events.push(p) }, async (frame) => {
      frame.enter('restore', 1000, { unit: 'bytes' });
      for (let done = 1; done < 1000; done++) {
        if (done % 250 === 0) time.advance(100);
        frame.progress(done, 1000, { unit: 'bytes' });
      }
      frame.enter('verify', 3);
      frame.progress(1, 3);
      frame.progress(2, 3);
      return 'ok';
    });
    const restore = events.filter((e) => e.phase === 'restore');
    expect(restore[0]).toMatchObject({ done: 0, total: 1000, unit: 'bytes', ...base });
    expect(restore.map((e) => e.done)).toEqual([0, 250, 500, 750, 999]);
    expect(events.filter((e) => e.phase === 'verify').map((e) => e.done)).toEqual([0, 2]);
    expect(events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1])).toEqual(['restore', 'verify', 'cleanup']);
    expect(events.at(-1)).toMatchObject({ phase: 'cleanup', done: 1, total: 1 });
  });

  it('a listener that throws never breaks the drill', async () => {
    const onProgress = () => {
      throw new Error('listener bug');
    };
    const drill = await runDrill({ ...base, onProgress }, (frame) => through(frame));
    expect(drill.outcome).toBe('pass');
  });
});
