// Trying an alert again: three attempts, 0 s, 30 s and 2 min after the first, unless the answer says another
// try cannot help (a 4xx, an SMTP 5xx such as a DMARC refusal). Every attempt is handed to `onAttempt`.
import type { Alert, Clock, DeliveryResult, Sender } from './types';

export const RETRY_DELAYS: readonly number[] = [0, 30_000, 120_000];

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface RetryOptions {
  /** Wait before each attempt, from the previous one: its length is the number of attempts. */
  delays: readonly number[];
  clock: Clock;
  signal?: AbortSignal;
  onAttempt: (attempt: { number: number; at: number; final: boolean; result: DeliveryResult }) => void;
}

export async function sendWithRetries(sender: Sender, alert: Alert, options: RetryOptions): Promise<DeliveryResult> {
  const { delays, clock, signal } = options;
  let result: DeliveryResult = { ok: false, error: 'not sent', retryable: false, durationMs: 0 };
  for (let i = 0; i < delays.length; i++) {
    if (delays[i]! > 0) await clock.sleep(delays[i]!, signal);
    if (signal?.aborted && i > 0) break;
    const at = clock.now();
    result = await sender.send(alert, signal).catch(
      (error: unknown): DeliveryResult => ({ ok: false, error: `sending failed: ${(error as Error).message ?? String(error)}`, retryable: true, durationMs: 0 }),
    );
    const final = result.ok || !result.retryable || i === delays.length - 1 || signal?.aborted === true;
    options.onAttempt({ number: i + 1, at, final, result });
    if (final) return result;
  }
  return result;
}
