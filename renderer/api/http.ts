// The dashboard API over HTTP, for the browser (`backup-health serve`): each call is `POST /api/<method>` with
// its arguments as JSON, answered by an ApiResponse; events come from one shared EventSource on /api/events.
// The token travels as an HttpOnly cookie set when the printed URL was opened, so nothing here handles it.
// Browser APIs only.
import { API_METHODS, type ApiArgs, type ApiEvent, type ApiMethod, type ApiResponse, type ApiResult, type BackupHealthApi, type BackupHealthBridge } from '../../shared/api';

/** A call the server answered with {ok: false}: its code (`no-such-source`, `unauthorized`, ...) and message. */
export class ApiCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

export function createHttpBridge(baseUrl = ''): BackupHealthBridge {
  const base = baseUrl.replace(/\/+$/, '');

  async function call<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResult<M>> {
    let response: Response;
    try {
      response = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(args ?? {}),
      });
    } catch {
      throw new ApiCallError('unreachable', 'the Backup Health server does not answer; is `backup-health serve` still running?');
    }
    const text = await response.text();
    const answer = parseResponse(text);
    if (!answer) throw new ApiCallError(`http-${response.status}`, text.trim() || `the server answered ${response.status} ${response.statusText}`);
    if (!answer.ok) throw new ApiCallError(answer.error.code, answer.error.message);
    return answer.value as ApiResult<M>;
  }

  const listeners = new Set<(event: ApiEvent) => void>();
  let source: EventSource | null = null;

  function subscribe(listener: (event: ApiEvent) => void): () => void {
    listeners.add(listener);
    // One stream for every subscriber; EventSource reconnects by itself when the connection drops.
    if (!source) {
      source = new EventSource(`${base}/api/events`);
      source.onmessage = (message: MessageEvent<string>) => {
        const event = parseEvent(message.data);
        if (!event) return;
        for (const each of [...listeners]) {
          try {
            each(event);
          } catch {
            // one broken listener must not keep the event from the others
          }
        }
      };
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && source) {
        source.close();
        source = null;
      }
    };
  }

  const methods = Object.fromEntries(API_METHODS.map((method) => [method, (args: ApiArgs<typeof method>) => call(method, args)])) as unknown as BackupHealthApi;
  return { ...methods, subscribe };
}

function parseResponse(text: string): ApiResponse<unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const { ok, error } = value as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
    if (ok === true) return value as ApiResponse<unknown>;
    if (ok === false && typeof error?.code === 'string' && typeof error.message === 'string') return value as ApiResponse<unknown>;
    return null;
  } catch {
    return null;
  }
}

function parseEvent(data: string): ApiEvent | null {
  try {
    const value = JSON.parse(data) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' ? (value as ApiEvent) : null;
  } catch {
    return null;
  }
}
