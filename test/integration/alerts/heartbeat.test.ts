// The heartbeat against a real Healthchecks-like receiver on 127.0.0.1: the success ping's body, `/fail` (query
// kept) when a source is critical, throttling on an injected clock, a 500, a hang and a refused port recorded as
// failed pings, and the ping URL's key never reaching a record, a result or the history file's bytes.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_CHANNEL_ID, Heartbeat } from '../../../electron/engine/alerts/heartbeat';
import type { SourceFacts } from '../../../electron/engine/alerts/types';
import { DeliveryTable } from '../../../electron/engine/store/deliveries';
import { History } from '../../../electron/engine/store/history';

const KEY = '0f3a1c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const MINUTE = 60_000;
const T = Date.UTC(2026, 11, 3, 2, 10);

interface Request {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const requests: Request[] = [];
let server: Server;
let base = '';
const dir = mkdtempSync(join(tmpdir(), 'bh-heartbeat-'));
const file = join(dir, 'history.sqlite');
let history: History;
let log: DeliveryTable;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url!.startsWith('/hang/')) return; // never answers
      // a receiver that echoes the URL back, in its reason phrase and its body
      if (req.url!.startsWith('/broken/')) return res.writeHead(500, `no check ${req.url}`).end(`unknown check ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  history = History.open(file);
  log = DeliveryTable.open(file);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  log?.close();
  history?.close();
  rmSync(dir, { recursive: true, force: true });
});

const healthy: Record<string, SourceFacts> = {
  'orders-dumps': { name: 'Orders dumps', status: 'ok', findings: [] },
  'billing-restic': { name: 'Billing (restic)', status: 'warning', findings: [{ rule: 'backup-size', status: 'warning', message: 'The newest snapshot is 40% smaller than the one before' }] },
};
const broken: Record<string, SourceFacts> = {
  ...healthy,
  'orders-dumps': { name: 'Orders dumps', status: 'critical', findings: [{ rule: 'backup-age', status: 'critical', message: 'The newest dump is 3d old (limit 26h): check the pg_dump cron job on db1' }] },
};

/** A heartbeat on a clock the test moves. */
function heartbeat(url: string, every = 5 * MINUTE, timeoutMs?: number) {
  const clock = { at: T };
  const beat = new Heartbeat({ url, every }, { log, now: () => clock.at, ...(timeoutMs ? { timeoutMs } : {}) });
  return { beat, clock };
}

const pingsTo = (prefix: string) => requests.filter((r) => r.path.startsWith(prefix));

describe('the heartbeat against a real receiver', () => {
  it('pings the URL with the one-line summary as a text POST; /fail (query kept) when a source is critical', async () => {
    const { beat, clock } = heartbeat(`${base}/ok/${KEY}?create=1`);
    const ping = await beat.afterRound({ sources: healthy });
    expect(ping).toMatchObject({ kind: 'success', at: T, target: base.replace('http://', ''), result: { ok: true, httpStatus: 200 } });
    expect(requests.at(-1)).toMatchObject({ method: 'POST', path: `/ok/${KEY}?create=1`, body: '2 sources: 1 ok, 1 warning — billing-restic: The newest snapshot is 40% smaller than the one before' });
    expect(requests.at(-1)!.headers['content-type']).toBe('text/plain; charset=utf-8');

    clock.at += 10_000;
    expect(await beat.afterRound({ sources: broken })).toMatchObject({ kind: 'fail', result: { ok: true } });
    expect(requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/ok/${KEY}/fail?create=1`,
      body: '2 sources: 1 warning, 1 critical — orders-dumps: The newest dump is 3d old (limit 26h): check the pg_dump cron job on db1',
    });
  });

  it('throttled to one ping per every/2 unless success turns to fail or back', async () => {
    const { beat, clock } = heartbeat(`${base}/ok/throttle-${KEY}`, 5 * MINUTE);
    const count = () => pingsTo('/ok/throttle-').length;
    expect(await beat.afterRound({ sources: healthy })).not.toBeNull();
    // rounds every 10 s for just under 2.5 minutes: no ping
    for (let i = 0; i < 14; i++) {
      clock.at += 10_000;
      expect(await beat.afterRound({ sources: healthy })).toBeNull();
    }
    expect(count()).toBe(1);
    clock.at = T + 2.5 * MINUTE;
    expect(await beat.afterRound({ sources: healthy })).toMatchObject({ kind: 'success' });
    expect(count()).toBe(2);
    // turning critical pings at once, and so does recovering
    clock.at += 10_000;
    expect(await beat.afterRound({ sources: broken })).toMatchObject({ kind: 'fail' });
    clock.at += 10_000;
    expect(await beat.afterRound({ sources: broken })).toBeNull();
    clock.at += 10_000;
    expect(await beat.afterRound({ sources: healthy })).toMatchObject({ kind: 'success' });
    expect(pingsTo('/ok/throttle-').map((r) => r.path.endsWith('/fail'))).toEqual([false, false, true, false]);
  });

  it('a 500 is a failed ping, recorded; the next try comes 30 s later, not every round', async () => {
    const { beat, clock } = heartbeat(`${base}/broken/${KEY}`, 10 * MINUTE);
    const ping = await beat.afterRound({ sources: healthy });
    expect(ping?.result).toMatchObject({ ok: false, httpStatus: 500 });
    expect(ping?.result.error).toMatch(/^HTTP 500 Internal Server Error from 127\.0\.0\.1:\d+$/);
    clock.at += 10_000;
    expect(await beat.afterRound({ sources: healthy })).toBeNull();
    clock.at = T + 30_000;
    expect(await beat.afterRound({ sources: healthy })).toMatchObject({ result: { ok: false, httpStatus: 500 } });
    expect(pingsTo('/broken/')).toHaveLength(2);
    const recorded = log.recent({ channelId: HEARTBEAT_CHANNEL_ID, since: T }).filter((a) => a.result.httpStatus === 500);
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatchObject({ purpose: 'status', attempt: 1, final: true, status: 'warning', sources: 2, result: { ok: false, httpStatus: 500, retryable: true } });
    expect(recorded[0]!.title).toMatch(/^Heartbeat \(success\) to 127\.0\.0\.1:\d+: 2 sources: 1 ok, 1 warning — billing-restic: /);
  });

  it('a refused port and a receiver that never answers are failed pings, each told in words', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await heartbeat(`http://127.0.0.1:${port}/${KEY}`).beat.afterRound({ sources: broken });
    expect(refused).toMatchObject({ kind: 'fail', result: { ok: false, retryable: true, error: `connection refused by 127.0.0.1:${port}` } });

    const hang = await heartbeat(`${base}/hang/${KEY}`, 5 * MINUTE, 1000).beat.afterRound({ sources: healthy });
    expect(hang?.result).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/^no answer from 127\.0\.0\.1:\d+ within 1s$/) });

    const failed = log.recent({ channelId: HEARTBEAT_CHANNEL_ID, since: T }).filter((a) => !a.result.ok);
    expect(failed.map((a) => a.result.error)).toEqual(expect.arrayContaining([`connection refused by 127.0.0.1:${port}`, expect.stringMatching(/^no answer from .* within 1s$/)]));
  });

  it('no heartbeat configured: nothing is sent; configuring one pings at the next round', async () => {
    const before = requests.length;
    const beat = new Heartbeat(undefined, { log, now: () => T });
    expect(beat.target).toBeUndefined();
    expect(await beat.afterRound({ sources: healthy })).toBeNull();
    expect(requests.length).toBe(before);
    beat.configure({ url: `${base}/ok/late-${KEY}`, every: 5 * MINUTE });
    expect(await beat.afterRound({ sources: healthy })).toMatchObject({ result: { ok: true } });
    expect(requests.length).toBe(before + 1);
  });

  it('urlEnv: the ping URL comes from the environment at each ping; unset, the ping fails naming the variable, not a URL', async () => {
    const env: NodeJS.ProcessEnv = {};
    const clock = { at: T };
    const beat = new Heartbeat({ urlEnv: 'HC_URL', every: 5 * MINUTE }, { log, now: () => clock.at, env });
    expect(beat.target).toBe('the URL in $HC_URL');
    const unset = await beat.afterRound({ sources: healthy });
    expect(unset?.result).toMatchObject({ ok: false, error: 'the heartbeat URL: the environment variable HC_URL is not set for Backup Health' });
    env.HC_URL = `${base}/env/${KEY}`;
    expect(beat.target).toBe(new URL(base).host);
    clock.at += 5 * MINUTE;
    const before = pingsTo('/env/').length;
    const ping = await beat.afterRound({ sources: broken });
    expect(ping).toMatchObject({ kind: 'fail', target: new URL(base).host, result: { ok: true, httpStatus: 200 } });
    expect(pingsTo('/env/').slice(before).map((r) => r.path)).toEqual([`/env/${KEY}/fail`]);
    expect(JSON.stringify(ping)).not.toContain(KEY);
  });

  // Last: every test above has written its pings to the history file.
  it("the ping URL's key and path never reach a result, a record, or the history file's bytes", async () => {
    const records = log.recent({ since: 0, limit: 1000 });
    expect(records.length).toBeGreaterThan(8);
    expect(records.every((r) => r.channelId === HEARTBEAT_CHANNEL_ID)).toBe(true);
    const text = JSON.stringify(records);
    expect(text).toContain('127.0.0.1');
    for (const secret of [KEY, `/ok/${KEY}`, 'create=1', '/broken/', '/hang/', '/env/']) expect(text, secret).not.toContain(secret);
    // whatever SQLite keeps: the file, its WAL, its shared memory
    const files = readdirSync(dir);
    expect(files).toContain('history.sqlite');
    for (const name of files) {
      const bytes = readFileSync(join(dir, name));
      for (const secret of [KEY, KEY.slice(0, 8), '/ok/', '/broken/']) expect(bytes.includes(secret), `${secret} in ${name}`).toBe(false);
    }
    expect(Buffer.concat(files.map((name) => readFileSync(join(dir, name)))).includes('Heartbeat (fail) to 127.0.0.1')).toBe(true);
  });
});
