// Runs tasks with bounded concurrency and a per-task timeout. A task that hangs or ignores its abort
// signal is abandoned at its deadline and its slot released, so it can never block the others.
// Periodic scheduling: each key runs every `intervalMs`, never twice at once.
import { formatDuration } from '../../shared/units';
import { longTimeout, type LongTimeout } from './long-timeout';

export class TaskTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${formatDuration(timeoutMs)}`);
    this.name = 'TaskTimeoutError';
  }
}

export interface PeriodicTask {
  key: string;
  intervalMs: number;
  run: () => Promise<unknown>;
}

export class Scheduler {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly running = new Map<string, Promise<unknown>>();
  private timers = new Map<string, LongTimeout>();
  private stopped = false;
  /** Bumped by every every() and stop(): a tick in flight from an older schedule must not re-arm itself. */
  private generation = 0;
  private readonly stopController = new AbortController();

  constructor(private concurrency: number) {}

  setConcurrency(concurrency: number): void {
    this.concurrency = concurrency;
    this.drain();
  }

  /**
   * Runs `task` when a slot is free, aborting it after `timeoutMs`. A second call for a key that is
   * still running joins the first instead of starting another.
   */
  run<T>(key: string, timeoutMs: number, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing as Promise<T>;
    const promise = this.acquire()
      .then(() => withTimeout(task, timeoutMs, this.stopController.signal))
      .finally(() => {
        this.running.delete(key);
        this.release();
      });
    this.running.set(key, promise);
    return promise;
  }

  /** Resolves once every task under way has settled (stopped tasks settle when they finish cleaning up). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  /** Starts (or restarts) periodic runs; the first run of each task is after `firstDelayMs(key)`. */
  every(tasks: PeriodicTask[], firstDelayMs: (key: string) => number = () => 0): void {
    this.clearTimers();
    const generation = ++this.generation;
    const current = () => !this.stopped && generation === this.generation;
    for (const task of tasks) {
      const tick = () => {
        if (!current()) return;
        void task
          .run()
          .catch(() => {}) // the task records its own failure
          .finally(() => {
            if (current()) this.timers.set(task.key, longTimeout(tick, task.intervalMs));
          });
      };
      this.timers.set(task.key, longTimeout(tick, Math.max(0, firstDelayMs(task.key))));
    }
  }

  /** Stops periodic runs and aborts running tasks, with `reason` as their signal's reason (why they stopped). */
  stop(reason?: unknown): void {
    this.stopped = true;
    this.generation++;
    this.clearTimers();
    this.stopController.abort(reason);
  }

  private clearTimers(): void {
    for (const timer of this.timers.values()) timer.clear();
    this.timers = new Map();
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    this.active--;
    this.drain();
  }

  private drain(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!();
    }
  }
}

function withTimeout<T>(task: (signal: AbortSignal) => Promise<T>, timeoutMs: number, stop: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const onStop = () => controller.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  let timer: LongTimeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = longTimeout(() => {
      const error = new TaskTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  return Promise.race([Promise.resolve().then(() => task(controller.signal)), deadline]).finally(() => {
    timer?.clear();
    stop.removeEventListener('abort', onStop);
  });
}
