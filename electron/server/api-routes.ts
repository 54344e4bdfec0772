// `POST /api/<method>`: the body is the method's argument object, the answer an ApiResponse. Routing comes from
// API_METHODS, so only the contract's methods are reachable (not `subscribe`, not `constructor`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_METHODS, type ApiErrorValue, type ApiMethod, type BackupHealthApi } from '../../shared/api';
import { apiErrorValue } from '../engine/api-service';
import { failure, sendJson } from './responses';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Deeper than any method's arguments go (a source edit is four levels); deeper JSON is refused before it is parsed. */
export const MAX_BODY_DEPTH = 32;

const METHODS: ReadonlySet<string> = new Set(API_METHODS);

export function isApiMethod(name: string): name is ApiMethod {
  return METHODS.has(name);
}

/** What crosses the wire for a failed call: the code and message only, never a stack. */

export async function handleApiCall(
  api: BackupHealthApi,
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
  onInternalError: (method: string, err: unknown) => void,
): Promise<void> {
  if (!isApiMethod(name)) {
    sendJson(res, 404, failure('no-such-method', `no API method "${name}"; the methods are ${API_METHODS.join(', ')}`));
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, failure('method-not-allowed', `call ${name} with POST and a JSON body`), { Allow: 'POST' });
    return;
  }
  // A JSON body needs a CORS preflight from any other origin; a plain HTML form cannot send one.
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    sendJson(res, 415, failure('bad-request', 'send the arguments as application/json'));
    return;
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === 'gone') return;
  if (body === 'too-large') {
    sendJson(res, 413, failure('too-large', `the request body is larger than ${MAX_BODY_BYTES} bytes (${MAX_BODY_BYTES / 1024 / 1024} MB); send only the method's arguments`), { Connection: 'close' });
    return;
  }
  const args = parseArgs(body);
  if (!args.ok) {
    sendJson(res, 400, failure('bad-request', args.message));
    return;
  }
  try {
    const call = api[name] as (args: unknown) => Promise<unknown>;
    const value = await call.call(api, args.value);
    sendJson(res, 200, { ok: true, value });
  } catch (err) {
    const error = apiErrorValue(err);
    if (error.code === 'internal') onInternalError(name, err);
    sendJson(res, error.code === 'internal' ? 500 : 400, { ok: false, error });
  }
}

/** The body as text, or why there is none: over `limit` bytes (a declared Content-Length over it is refused unread), or the client went away. */
function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large' | 'gone'> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume(); // drop the rest; the answer closes the connection
      resolve('too-large');
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('close', () => resolve('gone')); // no effect once resolved
    req.on('error', () => resolve('gone'));
  });
}

/** An empty body means no arguments; otherwise a JSON object (every method takes one, or none). */
function parseArgs(body: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  if (body.trim() === '') return { ok: true, value: {} };
  // Every later step (validation, the YAML of a saved source, the answer) walks the value recursively.
  if (nestingDepth(body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
    return { ok: false, message: `the request body is nested deeper than ${MAX_BODY_DEPTH} levels; a method's arguments are an object a few levels deep` };
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return { ok: false, message: `the body is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'the body must be a JSON object of the method\'s arguments' };
  return { ok: true, value: value as Record<string, unknown> };
}

/** How deep the JSON text's objects and arrays go, counted up to just past `limit` (brackets inside strings do not count). */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      deepest = Math.max(deepest, depth);
      if (deepest > limit) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
