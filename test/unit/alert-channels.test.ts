// What the settings page is told about alert channels (electron/engine/alert-channels.ts): targets safe to show,
// the config-file-only fields, the heartbeat's host and last ping from the delivery log, an answer without an
// alert service, and the guard that keeps "Send a test alert" from being a spam cannon.
import { describe, expect, it } from 'vitest';
import { AlertService } from '../../electron/engine/alerts/alert-service';
import { AlertDispatcher } from '../../electron/engine/alerts/dispatcher';
import { HEARTBEAT_CHANNEL_ID } from '../../electron/engine/alerts/heartbeat';
import { alertChannelsData, channelTarget, fileOnlyChannelFields, NOTHING_SENDS, TEST_SPACING_MS, TestAlertGuard } from '../../electron/engine/alert-channels';
import { DeliveryTable } from '../../electron/engine/store/deliveries';
import { validateConfig, type Config } from '../../shared/config';

const SECRET = 'Key-Secret-3Wq8Zr5Tn2';
/** An ntfy topic on a public server is as good as a password: anyone who knows it can read and post. */
const TOPIC = 'topic-Secret-6Bv1';

function configWith(alerts: unknown): Config {
  const parsed = validateConfig({ sources: [], alerts });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config as Config;
}

const config = configWith({
  channels: [
    { id: 'hook', kind: 'webhook', url: `https://hooks.example.com/services/${SECRET}?token=${SECRET}` },
    { id: 'chat', kind: 'slack', urlEnv: 'SLACK_URL' },
    { id: 'phone', kind: 'ntfy', url: 'https://ntfy.example.org', topic: TOPIC, user: 'bh', passwordFile: '/etc/bh/ntfy' },
    { id: 'mail', kind: 'email', to: ['ops@example.com', 'dba@example.com'], from: 'bh@example.com', smtp: { host: 'mail.example.com', user: 'bh', passwordFile: '/etc/bh/smtp' } },
    { id: 'pager', kind: 'command', command: ['/usr/local/bin/page-oncall', '--key', SECRET] },
  ],
  heartbeat: { url: `https://hc-ping.example.com/${SECRET}`, every: '5m' },
});
const channel = (id: string) => config.alerts!.channels.find((c) => c.id === id)!;

describe('alert channels for the dashboard', () => {
  it('shows where each channel goes without a URL path, query, topic, argument or password', () => {
    expect(channelTarget(channel('hook'))).toBe('hooks.example.com');
    expect(channelTarget(channel('chat'))).toBe('the URL in $SLACK_URL');
    expect(channelTarget(channel('phone'))).toBe('ntfy.example.org');
    expect(channelTarget(channel('mail'))).toBe('ops@example.com, dba@example.com');
    expect(channelTarget(channel('pager'))).toBe('page-oncall');
  });

  it('names what of a channel only the config file may set', () => {
    expect(fileOnlyChannelFields(channel('hook'))).toEqual([]);
    expect(fileOnlyChannelFields(channel('phone')).map((f) => f.field)).toEqual(['passwordFile']);
    expect(fileOnlyChannelFields(channel('mail')).map((f) => f.field)).toEqual(['smtp.passwordFile']);
    expect(fileOnlyChannelFields(channel('pager'))).toEqual([{ field: 'command', why: 'it names a program Backup Health runs' }]);
  });

  it('says nothing sends without an alert service', () => {
    expect(alertChannelsData(undefined, config.alerts)).toEqual({ sending: false, reason: NOTHING_SENDS, sender: null, channels: [], heartbeat: null });
  });

  it('lists every channel and the heartbeat with its last ping from the delivery log, no secret in it', () => {
    const log = DeliveryTable.open(':memory:');
    try {
      const engine = { subscribe: () => () => {}, summaries: () => [], databasesOf: () => [], currentConfig: config };
      const service = new AlertService({ engine, dispatcher: new AlertDispatcher(config.alerts, { log }) });
      expect(alertChannelsData(service, config.alerts).heartbeat).toEqual({ target: 'hc-ping.example.com', every: 300_000, lastPing: null });
      // A ping as the heartbeat records it.
      log.record({
        channelId: HEARTBEAT_CHANNEL_ID,
        alertKey: 'k1',
        purpose: 'status',
        at: 1_000,
        attempt: 1,
        final: true,
        title: 'Heartbeat (success) to hc-ping.example.com: 0 sources',
        status: 'ok',
        sources: 0,
        result: { ok: true, httpStatus: 200, retryable: false, durationMs: 12 },
      });
      const data = alertChannelsData(service, config.alerts);
      expect(data.sending).toBe(true);
      expect(data.channels.map((c) => c.id)).toEqual(['hook', 'chat', 'phone', 'mail', 'pager']);
      expect(data.channels.every((c) => c.lastDelivery === null && c.failing === null)).toBe(true);
      expect(data.heartbeat!.lastPing).toMatchObject({ at: 1_000, ok: true, httpStatus: 200 });
      expect(JSON.stringify(data)).not.toContain(SECRET);
      expect(JSON.stringify(data)).not.toContain(TOPIC);
    } finally {
      log.close();
    }
  });
});

describe('TestAlertGuard', () => {
  it('refuses a second test of a channel while one is under way, and another within the spacing', () => {
    let now = 0;
    const guard = new TestAlertGuard(() => now);
    expect(guard.begin('hook')).toBeNull();
    expect(guard.begin('hook')).toMatchObject({ code: 'test-under-way' });
    // Another channel is not held up.
    expect(guard.begin('mail')).toBeNull();
    now = 2_000;
    guard.end('hook');
    expect(guard.begin('hook')).toEqual({ code: 'test-too-soon', message: 'a test alert went to hook moments ago; send another in 8 s' });
    now = TEST_SPACING_MS;
    expect(guard.begin('hook')).toBeNull();
  });
});
