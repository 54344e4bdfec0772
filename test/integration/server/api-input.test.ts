// What `serve`'s API does with arguments no dashboard sends: a range that is not one of the ranges (including
// the names every plain object answers to), and JSON nested deep enough to overflow whatever walks it, or
// larger than the body limit. Each is a 4xx naming the problem, never a 500 with a JavaScript error.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, MAX_BODY_DEPTH } from '../../../electron/server/api-routes';
import { call, raw, startFixture, type Fixture } from './fixture';

let f: Fixture;
let internalErrors: string[];

beforeAll(async () => {
  internalErrors = [];
  f = await startFixture((dumps) => `sources:\n  - id: nightly # the nightly dumps\n    kind: dump-dir\n    path: ${dumps}\n    settle: 0s\n`, {
    onInternalError: (method, err) => internalErrors.push(`${method}: ${String(err)}`),
  });
});
afterAll(() => f.close());

const json = (body: string) => JSON.parse(body) as { ok: boolean; value?: unknown; error?: { code: string; message: string } };
const post = (method: string, body: string) =>
  raw(f.server.port, { method: 'POST', path: `/api/${method}`, headers: { cookie: f.cookie, 'content-type': 'application/json' }, body });

/** `depth` levels of `{"a": ...}` around `inner`. */
const nested = (depth: number, inner = '1') => `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

describe('range', () => {
  it.each([
    ['__proto__', '"__proto__"'],
    ['constructor', '"constructor"'],
    ['toString', '"toString"'],
    ['hasOwnProperty', '"hasOwnProperty"'],
    ['2d', '"2d"'],
    [12, '12'],
    [null, 'null'],
    [['7d'], 'a list'],
    [{ '7d': true }, 'an object'],
  ])('%j: 400 bad-range, naming the ranges there are and what was sent', async (range, found) => {
    const res = await call(f, 'source', { id: 'nightly', range });
    expect(res.status).toBe(400);
    expect(json(res.body)).toEqual({ ok: false, error: { code: 'bad-range', message: `range must be one of 7d, 30d, 1y (found ${found})` } });
  });

  it('none at all: the same, found none', async () => {
    const res = await call(f, 'source', { id: 'nightly' });
    expect(res.status).toBe(400);
    expect(json(res.body).error).toEqual({ code: 'bad-range', message: 'range must be one of 7d, 30d, 1y (found none)' });
  });

  it.each(['7d', '30d', '1y'])('%s: answered', async (range) => {
    const res = await call(f, 'source', { id: 'nightly', range });
    expect(res.status).toBe(200);
    expect(json(res.body)).toMatchObject({ ok: true, value: { range } });
  });
});

describe('deep or large JSON bodies', () => {
  it(`nested deeper than ${MAX_BODY_DEPTH} levels: 400 naming the limit, before anything walks it`, async () => {
    for (const depth of [MAX_BODY_DEPTH + 1, 100_000]) {
      for (const method of ['saveSource', 'validateSource', 'pollNow']) {
        const res = await post(method, nested(depth));
        expect(res.status, `${method} at ${depth}`).toBe(400);
        expect(json(res.body), `${method} at ${depth}`).toEqual({
          ok: false,
          error: { code: 'bad-request', message: `the request body is nested deeper than ${MAX_BODY_DEPTH} levels; a method's arguments are an object a few levels deep` },
        });
      }
    }
    // Arrays count as levels too.
    expect((await post('saveSource', `{"source":${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}}`)).status).toBe(400);
    expect(internalErrors).toEqual([]);
  });

  it('a source nested to the limit is judged like any other edit: the field named, the file untouched', async () => {
    const before = readFileSync(f.configFile, 'utf8');
    const body = `{"source":{"id":"deep","kind":"dump-dir","path":${nested(MAX_BODY_DEPTH - 2, '"/x"')}}}`;
    const res = await post('saveSource', body);
    expect(res.status).toBe(200);
    const value = json(res.body).value as { ok: boolean; problems: { path: string; message: string }[] };
    expect(value.ok).toBe(false);
    expect(value.problems.map((p) => p.path)).toContain('path');
    expect(readFileSync(f.configFile, 'utf8')).toBe(before);
    expect(internalErrors).toEqual([]);
  });

  it('brackets inside strings are text, not levels', async () => {
    const res = await post('validateSource', JSON.stringify({ source: { id: 'brackets', kind: 'dump-dir', path: `/srv/${'{['.repeat(100)}\\"` } }));
    expect(res.status).toBe(200);
    expect(json(res.body)).toMatchObject({ ok: true, value: { ok: true } });
  });

  it(`larger than ${MAX_BODY_BYTES} bytes: 413 naming the limit`, async () => {
    const res = await post('validateSource', JSON.stringify({ source: { id: 'x', note: 'x'.repeat(MAX_BODY_BYTES) } }));
    expect(res.status).toBe(413);
    expect(json(res.body)).toEqual({
      ok: false,
      error: { code: 'too-large', message: `the request body is larger than ${MAX_BODY_BYTES} bytes (1 MB); send only the method's arguments` },
    });
  });
});
