// The two shapes `serve` answers in: short plain text (refusals) and JSON (every /api answer).
import type { ServerResponse } from 'node:http';
import type { ApiErrorValue, ApiResponse } from '../../shared/api';

/** A short plain-text answer: nothing a browser would render as a page, nothing cached. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = `${text}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: ApiResponse<unknown>, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

export function failure(code: string, message: string): { ok: false; error: ApiErrorValue } {
  return { ok: false, error: { code, message } };
}
