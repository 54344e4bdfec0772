// One HTTP POST with a time limit, told as a DeliveryResult: the status, never the body (it may echo a token
// back), and a failure in words ("connection refused by 127.0.0.1:9", "no answer within 10s").
import { STATUS_CODES } from 'node:http';
import { redact } from '../redact';
import type { DeliveryResult } from '../types';

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Texts that must not appear in the result (tokens, the URL when it is the secret). */
  secrets: readonly (string | undefined)[];
}

export async function postHttp(url: string, options: PostOptions): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let host = 'the server';
  try {
    host = new URL(url).host;
  } catch {
    return { ok: false, error: 'the URL is not valid', retryable: false, durationMs: elapsed() };
  }
  try {
    const response = await fetch(url, { method: 'POST', headers: options.headers, body: options.body, signal, redirect: 'manual' });
    // The body is never read, only released.
    await response.body?.cancel().catch(() => {});
    const status = response.status;
    if (status >= 200 && status < 300) return { ok: true, httpStatus: status, retryable: false, durationMs: elapsed() };
    // The standard reason phrase, not the server's: what a receiver writes there may echo what it was sent.
    const reason = STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : '';
    const error = status >= 300 && status < 400 ? `HTTP ${status}${reason}: ${host} redirects, and alerts are not sent on to another address` : `HTTP ${status}${reason} from ${host}`;
    return { ok: false, httpStatus: status, error, retryable: status >= 500 || status === 408 || status === 429, durationMs: elapsed() };
  } catch (error) {
    const message = timeout.aborted ? `no answer from ${host} within ${seconds(options.timeoutMs)}` : options.signal?.aborted ? 'cancelled' : networkError(error, host);
    return { ok: false, error: redact(message, options.secrets), retryable: !options.signal?.aborted, durationMs: elapsed() };
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** fetch says "fetch failed"; the reason is in its cause. */
function networkError(error: unknown, host: string): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${host}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${host.replace(/:\d+$/, '')} cannot be resolved (DNS)`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `${host} closed the connection`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} cannot be reached (no route)`;
    default:
      return `${host}: ${cause?.message ?? (error as Error).message}`;
  }
}
