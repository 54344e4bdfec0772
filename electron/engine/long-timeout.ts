// Node keeps a timer's delay in a signed 32-bit integer: a delay over 2^31-1 ms (24.8 days) fires after 1 ms,
// with a TimeoutOverflowWarning. A 30-day drill schedule would then run back to back and a 4-week timeout would
// end its drill at once. Every wait that comes from a setting goes through here, chained in steps Node can hold,
// so it fires when it should (test/unit/engine/long-timers.test.ts checks that no other timer takes a setting).

/** The longest delay one Node timer holds. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface LongTimeout {
  /** Like clearTimeout: `fire` will not be called. */
  clear(): void;
  /** Like Timeout.unref(): this wait alone does not keep the process alive. */
  unref(): LongTimeout;
}

/** setTimeout for any delay: `fire` runs once, `delayMs` from now (a NaN or negative delay is 0, Infinity never). */
export function longTimeout(fire: () => void, delayMs: number): LongTimeout {
  let left = Number.isNaN(delayMs) ? 0 : Math.max(0, delayMs);
  let referenced = true;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const step = Math.min(left, MAX_TIMER_DELAY_MS);
    left -= step;
    timer = setTimeout(() => (left > 0 ? arm() : fire()), step);
    if (!referenced) timer.unref();
  };
  arm();
  return {
    clear: () => clearTimeout(timer),
    unref() {
      referenced = false;
      timer.unref();
      return this;
    },
  };
}

/**
 * AbortSignal.timeout without its 24.8-day limit (it overflows the same way): aborted with a TimeoutError
 * DOMException after `delayMs`, and never keeps the process alive.
 */
export function timeoutSignal(delayMs: number): AbortSignal {
  const controller = new AbortController();
  longTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), delayMs).unref();
  return controller.signal;
}
