// Waits longer than Node's timers hold (2^31-1 ms, 24.8 days) fire when they should: not after 1 ms, as a plain
// setTimeout does, and not early. Under vitest's fake clock, which overflows exactly like Node.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { longTimeout, MAX_TIMER_DELAY_MS, timeoutSignal } from '../../../electron/engine/long-timeout';
import { Scheduler, TaskTimeoutError } from '../../../electron/engine/scheduler';
import { DrillFrame } from '../../../electron/engine/drills/drill-frame';
import { run } from '../../../electron/engine/exec';

const DAY = 86_400_000;
const never = () => new Promise<never>(() => {});

afterEach(() => {
  vi.useRealTimers();
});

describe('the fake clock these tests run on', () => {
  it('overflows a plain setTimeout longer than 24.8 days to 1 ms, as Node does', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    setTimeout(fired, 30 * DAY);
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });
});

describe('longTimeout', () => {
  it.each([
    ['24d', 24 * DAY],
    ['the longest one timer holds', MAX_TIMER_DELAY_MS],
    ['25d', 25 * DAY],
    ['30d', 30 * DAY],
    ['4w', 28 * DAY],
    ['52w', 364 * DAY],
    ['10y', 3650 * DAY],
  ])('%s fires once, at its time and not a millisecond before', (_, delay) => {
    vi.useFakeTimers();
    const fired = vi.fn();
    longTimeout(fired, delay);
    vi.advanceTimersByTime(delay - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(delay * 2);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('clear() stops it between the steps of its chain too', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const timer = longTimeout(fired, 60 * DAY);
    vi.advanceTimersByTime(40 * DAY);
    timer.clear();
    vi.advanceTimersByTime(40 * DAY);
    expect(fired).not.toHaveBeenCalled();
  });

  it('unref() lets the process exit while it waits', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const timer = longTimeout(() => {}, 60 * DAY);
    expect(timers()).toBe(before + 1);
    timer.unref();
    expect(timers()).toBe(before);
    timer.clear();
  });

  it('timeoutSignal aborts with a TimeoutError after 30d, not at once', () => {
    vi.useFakeTimers();
    const signal = timeoutSignal(30 * DAY);
    vi.advanceTimersByTime(30 * DAY - 1);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });
});

describe('the scheduler with long settings', () => {
  it('a task every 30d runs once at 30d: not earlier, not back to back', async () => {
    vi.useFakeTimers();
    const scheduler = new Scheduler(1);
    const runs: number[] = [];
    const start = Date.now();
    scheduler.every([{ key: 'drill:orders', intervalMs: 30 * DAY, run: async () => void runs.push(Date.now() - start) }], () => 30 * DAY);
    await vi.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual([30 * DAY]);
    await vi.advanceTimersByTimeAsync(29 * DAY);
    expect(runs).toEqual([30 * DAY]);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(runs).toEqual([30 * DAY, 60 * DAY]);
    scheduler.stop();
  });

  it('a task with a 4w timeout is not stopped at once, and is at 28 days', async () => {
    vi.useFakeTimers();
    const scheduler = new Scheduler(1);
    const outcome = scheduler.run('drill:orders', 28 * DAY, () => never()).catch((err: unknown) => err);
    let settled = false;
    void outcome.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(28 * DAY - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect((err as Error).message).toBe('timed out after 28d');
  });
});

describe('a drill with drill.timeout: 4w', () => {
  it('keeps running past 24.8 days and is stopped at 28 days', () => {
    vi.useFakeTimers();
    const frame = new DrillFrame({ sourceId: 'orders-dumps', backupKey: 'orders.dump', timeoutMs: 28 * DAY });
    vi.advanceTimersByTime(28 * DAY - 1);
    expect(frame.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(frame.signal.aborted).toBe(true);
  });
});

describe('an external tool with a 30d timeout', () => {
  it('runs to its end, with no TimeoutOverflowWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const result = await run('sh', ['-c', 'sleep 0.2; echo done'], { timeoutMs: 30 * DAY });
      expect(result).toMatchObject({ code: 0, timedOut: false, stdout: 'done\n' });
      const signal = timeoutSignal(52 * 7 * DAY);
      await new Promise((resolve) => setImmediate(resolve));
      expect(signal.aborted).toBe(false);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('TimeoutOverflowWarning'))).toEqual([]);
  });
});
