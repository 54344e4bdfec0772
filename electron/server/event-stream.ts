// `GET /api/events`: server-sent events, one `data: <ApiEvent as JSON>` per event, a comment line as a
// heartbeat (so proxies and the browser see a live connection), unsubscribed when the browser goes away.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiEvent } from '../../shared/api';

export const HEARTBEAT_MS = 15_000;
/** A browser that stops reading is dropped rather than buffered without end; EventSource reconnects it. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long EventSource waits before reconnecting after the stream ends. */
const RETRY_MS = 2_000;

type Subscribe = (listener: (event: ApiEvent) => void) => () => void;

export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(
    private readonly subscribe: Subscribe,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  get count(): number {
    return this.open.size;
  }

  accept(req: IncomingMessage, res: ServerResponse): void {
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    const write = (text: string) => {
      // Ended by endAll() (the server is stopping) but not yet closed: an event from a poll finishing now has
      // nowhere to go, and writing it would be an uncaught 'write after end'.
      if (res.writableEnded || res.destroyed) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
      else res.write(text);
    };
    // The first bytes make the browser fire `open` at once.
    write(`retry: ${RETRY_MS}\n: connected\n\n`);
    // JSON.stringify escapes newlines, so every event is one `data:` line.
    const unsubscribe = this.subscribe((event) => write(`data: ${JSON.stringify(event)}\n\n`));
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), this.heartbeatMs);
    this.open.add(res);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(res);
    });
  }

  /** Ends every stream (the server is stopping). */
  endAll(): void {
    for (const res of this.open) res.end();
  }
}
