// The alert channels through `backup-health serve`, as the dashboard asks for them over HTTP: the real bin, a
// webhook receiver on 127.0.0.1 and a channel to a port that refuses connections. alertChannels lists every
// channel with what is safe to show and the refused one failing with its finding; testAlertChannel delivers a
// test alert to the receiver, once per channel at a time; no secret of any channel is ever in an answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertChannelsData, AlertTestResult, ApiResponse } from '../../../shared/api';
import { SECRETS, alertDashboard, startReceiver, type Receiver } from '../../support/alert-channels-setup';
import { ensureCliBuilt } from '../../support/cli';
import { waitFor } from '../../support/postgres-fixtures';
import { serve, type Served, signIn } from '../../support/serve';

const root = mkdtempSync(join(tmpdir(), 'bh-alert-channels-'));
let receiver: Receiver;

beforeAll(async () => {
  ensureCliBuilt();
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
  rmSync(root, { recursive: true, force: true });
});

/** The answer's JSON text (checked for secrets) and its parsed value. */
async function call<T>(served: Served, cookie: string, method: string, args: unknown = {}): Promise<{ status: number; text: string; answer: ApiResponse<T> }> {
  const res = await fetch(`${served.origin}/api/${method}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(args) });
  const text = await res.text();
  return { status: res.status, text, answer: JSON.parse(text) as ApiResponse<T> };
}

function expectNoSecret(text: string): void {
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret.replace(/^Bearer /, ''));
  expect(text).not.toContain('/hook/');
  expect(text).not.toContain('/ping/');
}

describe('alert channels over HTTP', () => {
  it('lists the channels with the refused one failing, sends a test alert to the receiver, and never shows a secret', async () => {
    const dashboard = await alertDashboard(join(root, 'one'), receiver);
    const served = await serve(['--config', dashboard.config, '--data', dashboard.data], dashboard.env);
    try {
      const cookie = await signIn(served);
      // serve's first round: the critical source reaches good-hook. (The heartbeat pings once the round's retries
      // to dead-hook are over, minutes later: not waited for here.)
      const listed = await waitFor(
        'good-hook delivered',
        async () => {
          const got = await call<AlertChannelsData>(served, cookie, 'alertChannels');
          if (!got.answer.ok) throw new Error(got.text);
          return got.answer.value.channels.find((c) => c.id === 'good-hook')?.lastDelivery?.ok ? got : null;
        },
        { timeoutMs: 30_000 },
      );
      expectNoSecret(listed.text);
      const data = (listed.answer as { ok: true; value: AlertChannelsData }).value;
      expect(data.sending).toBe(true);
      expect(data.sender).toBe('alerts sent by this process');
      expect(data.channels.map((c) => c.id)).toEqual(['good-hook', 'dead-hook', 'ops-mail', 'pager']);
      const [good, dead, mail, pager] = data.channels;

      expect(good).toMatchObject({ kind: 'webhook', target: `127.0.0.1:${receiver.port}`, minStatus: 'critical', remindEvery: 86_400_000, recoveries: true, fileOnly: [], failing: null });
      expect(good!.lastDelivery).toMatchObject({ ok: true, httpStatus: 204 });

      expect(dead).toMatchObject({ kind: 'webhook', target: `127.0.0.1:${dashboard.deadPort}`, minStatus: 'warning' });
      expect(dead!.failing).toMatchObject({ status: 'critical', undelivered: expect.any(Number) });
      expect(dead!.failing!.message).toMatch(new RegExp(`^webhook alerts to 127\\.0\\.0\\.1:${dashboard.deadPort} are failing: .*refused.*; \\d+ alerts? undelivered since `));
      expect(dead!.lastDelivery).toMatchObject({ ok: false });
      expect(dead!.lastDelivery!.error).toMatch(/refused/);

      expect(mail).toMatchObject({ kind: 'email', target: 'ops@example.com', sources: ['spare-dumps'], recoveries: false, fileOnly: [], lastDelivery: null, failing: null });
      expect(pager).toMatchObject({ kind: 'command', target: 'true', fileOnly: [{ field: 'command' }], lastDelivery: null });
      expect(data.heartbeat).toMatchObject({ target: `127.0.0.1:${receiver.port}`, every: 300_000 });

      // A test alert: delivered to the receiver, shown with what came back.
      const before = receiver.received.length;
      const tested = await call<AlertTestResult>(served, cookie, 'testAlertChannel', { id: 'good-hook' });
      expectNoSecret(tested.text);
      expect(tested.answer).toMatchObject({ ok: true, value: { channelId: 'good-hook', target: `127.0.0.1:${receiver.port}`, delivery: { ok: true, httpStatus: 204, purpose: 'test' } } });
      // Under load serve's own round may land here too (dead-hook's failure told through good-hook): find the test.
      const test = receiver.received.slice(before).find((r) => r.path.startsWith('/hook/') && r.body.includes('"purpose":"test"'));
      expect(JSON.parse(test!.body)).toMatchObject({ purpose: 'test', channel: 'good-hook' });
      // Its result is the channel's last delivery now.
      const after = await call<AlertChannelsData>(served, cookie, 'alertChannels');
      expect((after.answer as { ok: true; value: AlertChannelsData }).value.channels[0]!.lastDelivery).toMatchObject({ ok: true, purpose: 'test' });

      // Not again straight away: the token must not make the channel a spam cannon.
      const again = await call<AlertTestResult>(served, cookie, 'testAlertChannel', { id: 'good-hook' });
      expect(again.status).toBe(400);
      expect(again.answer).toMatchObject({ ok: false, error: { code: 'test-too-soon' } });
      expect(receiver.received.filter((r) => r.body.includes('"purpose":"test"'))).toHaveLength(1);

      // A test to the refused port says what happened, and is not counted as an undelivered alert.
      const refused = await call<AlertTestResult>(served, cookie, 'testAlertChannel', { id: 'dead-hook' });
      expectNoSecret(refused.text);
      expect(refused.answer).toMatchObject({ ok: true, value: { delivery: { ok: false, error: expect.stringMatching(/refused/) } } });

      const unknown = await call<AlertTestResult>(served, cookie, 'testAlertChannel', { id: 'no-such' });
      expect(unknown.answer).toMatchObject({ ok: false, error: { code: 'no-such-channel', message: 'no alert channel "no-such" in the config' } });
      const odd = await call<AlertTestResult>(served, cookie, 'testAlertChannel', { id: { toString: 1 } });
      expect(odd.answer).toMatchObject({ ok: false, error: { code: 'no-such-channel' } });
      expectNoSecret(served.stderr());
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
  });

  it('pushes an alerts event to the event stream when deliveries are recorded', async () => {
    const dashboard = await alertDashboard(join(root, 'two'), receiver);
    const served = await serve(['--config', dashboard.config, '--data', dashboard.data], dashboard.env);
    const abort = new AbortController();
    try {
      const cookie = await signIn(served);
      const events = await fetch(`${served.origin}/api/events`, { headers: { cookie }, signal: abort.signal });
      const reader = events.body!.getReader();
      let text = '';
      const sawAlerts = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return false;
          text += Buffer.from(value).toString('utf8');
          if (text.includes('"type":"alerts"')) return true;
        }
      })();
      const tested = await call<AlertTestResult>(served, cookie, 'testAlertChannel', { id: 'pager' });
      expect(tested.answer).toMatchObject({ ok: true, value: { target: 'true', delivery: { ok: true } } });
      expect(await sawAlerts).toBe(true);
    } finally {
      abort.abort();
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
  });
});
