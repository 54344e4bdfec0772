import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, TaskTimeoutError } from '../../../electron/engine/scheduler';

const never = () => new Promise<never>(() => {});

describe('Scheduler', () => {
  it('never runs more than `concurrency` tasks at once', async () => {
    const scheduler = new Scheduler(2);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
    };
    await Promise.all(Array.from({ length: 7 }, (_, i) => scheduler.run(`t${i}`, 1000, task)));
    expect(peak).toBe(2);
  });

  it('abandons a hanging task at its deadline and frees its slot for the others', async () => {
    const scheduler = new Scheduler(1);
    let aborted = false;
    const hanging = scheduler.run('hang', 100, (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return never();
    });
    const next = scheduler.run('next', 1000, async () => 'done');
    await expect(hanging).rejects.toBeInstanceOf(TaskTimeoutError);
    await expect(next).resolves.toBe('done');
    expect(aborted).toBe(true);
  });

  it('a throwing task does not stop the others', async () => {
    const scheduler = new Scheduler(1);
    const results = await Promise.allSettled([
      scheduler.run('a', 1000, async () => {
        throw new Error('boom');
      }),
      scheduler.run('b', 1000, async () => 2),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });

  it('joins a second run of the same key instead of starting another', async () => {
    const scheduler = new Scheduler(4);
    let starts = 0;
    const task = async () => {
      starts++;
      await new Promise((r) => setTimeout(r, 20));
      return starts;
    };
    const [a, b] = await Promise.all([scheduler.run('same', 1000, task), scheduler.run('same', 1000, task)]);
    expect(starts).toBe(1);
    expect(a).toBe(b);
  });

  // Periodic runs on a fake clock: each step of time is exact, so the counts are the schedule itself, not what
  // a loaded machine managed within some window of real time.
  describe('periodic runs', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('repeats each task at its interval, counted from the end of its last run, until stopped', async () => {
      const scheduler = new Scheduler(2);
      const runs: Record<string, number> = { fast: 0, slow: 0 };
      scheduler.every([
        { key: 'fast', intervalMs: 10, run: async () => void runs.fast!++ },
        { key: 'slow', intervalMs: 1000, run: async () => void runs.slow!++ },
      ]);
      await vi.advanceTimersByTimeAsync(0);
      expect(runs).toEqual({ fast: 1, slow: 1 }); // the first runs start at once
      await vi.advanceTimersByTimeAsync(9);
      expect(runs).toEqual({ fast: 1, slow: 1 });
      await vi.advanceTimersByTimeAsync(1);
      expect(runs).toEqual({ fast: 2, slow: 1 });
      await vi.advanceTimersByTimeAsync(990);
      expect(runs).toEqual({ fast: 101, slow: 2 });
      scheduler.stop();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(runs).toEqual({ fast: 101, slow: 2 });
      expect(vi.getTimerCount()).toBe(0); // nothing left armed
    });

    it('a tick still running when the schedule is replaced does not keep its old chain alive', async () => {
      const scheduler = new Scheduler(2);
      let oldRuns = 0;
      let release!: () => void;
      scheduler.every([{ key: 'a', intervalMs: 10, run: () => (oldRuns++, new Promise<void>((r) => (release = r))) }]);
      await vi.advanceTimersByTimeAsync(0);
      expect(oldRuns).toBe(1);
      let newRuns = 0;
      scheduler.every([{ key: 'a', intervalMs: 1000, run: async () => void newRuns++ }]);
      await vi.advanceTimersByTimeAsync(0);
      expect(newRuns).toBe(1);
      release(); // the old tick finishes after the new schedule started: it must not re-arm its 10 ms chain
      await vi.advanceTimersByTimeAsync(999);
      expect(oldRuns).toBe(1);
      expect(newRuns).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(newRuns).toBe(2); // the new schedule goes on at its own interval
      scheduler.stop();
      expect(oldRuns).toBe(1);
    });
  });
});
