// The alert-delivery finding's words: which alerts, why (as the other end said it), how many, since when.
import { describe, expect, it } from 'vitest';
import { channelFailureFinding, channelFailureMessage, formatSince, type ChannelFailure } from '../../../electron/engine/alerts/channel-failure';
import { validateConfig } from '../../../shared/config';
import type { ChannelConfig } from '../../../shared/alerts-config';

function channels(): ChannelConfig[] {
  const result = validateConfig({
    alerts: {
      channels: [
        { id: 'ops-mail', kind: 'email', to: ['ops@example.com'], from: 'bh@example.com', smtp: { host: 'mail.example.com' } },
        { id: 'ops-hook', kind: 'webhook', url: 'https://hooks.example.com/T0/secret-token' },
        { id: 'chat', kind: 'slack', urlEnv: 'SLACK_URL' },
        { id: 'phone', kind: 'ntfy', topic: 'ops' },
        { id: 'pager', kind: 'command', command: ['/usr/local/bin/page-oncall', '--team', 'dba'] },
      ],
    },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.alerts!.channels;
}

const NOW = Date.UTC(2026, 11, 3, 9, 0);
const SINCE = Date.UTC(2026, 11, 3, 2, 10);

describe('channel failure wording', () => {
  const [mail, hook, chat, phone, pager] = channels();

  it("says the issue's sentence for a DMARC refusal", () => {
    const failure: ChannelFailure = { channelId: 'ops-mail', failingSince: SINCE, undelivered: 3, last: { replyCode: 550, reply: '550 5.7.1 rejected by DMARC policy' } };
    expect(channelFailureMessage(mail!, failure, NOW, 'UTC')).toBe('e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts undelivered since 02:10');
    expect(channelFailureFinding(mail!, failure, NOW, 'UTC')).toEqual({
      rule: 'alert-delivery',
      status: 'critical',
      message: 'e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts undelivered since 02:10',
      observed: 3,
      channelId: 'ops-mail',
    });
  });

  it('names each kind by where it goes, never a webhook path (often the token)', () => {
    const one = (last: ChannelFailure['last']): ChannelFailure => ({ channelId: 'x', failingSince: SINCE, undelivered: 1, last });
    expect(channelFailureMessage(hook!, one({ httpStatus: 500, error: 'HTTP 500 Internal Server Error from hooks.example.com' }), NOW, 'UTC')).toBe(
      'webhook alerts to hooks.example.com are failing: HTTP 500 Internal Server Error from hooks.example.com; 1 alert undelivered since 02:10',
    );
    expect(channelFailureMessage(chat!, one({ error: 'no answer from hooks.slack.com within 10s' }), NOW, 'UTC')).toBe(
      'Slack alerts to the URL in $SLACK_URL are failing: no answer from hooks.slack.com within 10s; 1 alert undelivered since 02:10',
    );
    expect(channelFailureMessage(phone!, one({ httpStatus: 403 }), NOW, 'UTC')).toBe('ntfy alerts to ntfy.sh are failing: HTTP 403; 1 alert undelivered since 02:10');
    expect(channelFailureMessage(pager!, one({ replyCode: 2, reply: 'page-oncall: no route to PagerDuty', error: 'page-oncall exited with code 2: page-oncall: no route to PagerDuty' }), NOW, 'UTC')).toBe(
      'alerts through page-oncall are failing: page-oncall exited with code 2: page-oncall: no route to PagerDuty; 1 alert undelivered since 02:10',
    );
    expect(channelFailureMessage(hook!, one({}), NOW, 'UTC')).not.toContain('secret-token');
  });

  it('gives the day when the failure began before today', () => {
    expect(formatSince(SINCE, NOW, 'UTC')).toBe('02:10');
    expect(formatSince(SINCE - 86_400_000, NOW, 'UTC')).toBe('Dec 2 02:10');
    expect(formatSince(SINCE, NOW, 'Asia/Tokyo')).toBe('11:10');
  });
});
