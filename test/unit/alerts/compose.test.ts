// The words of an alert, as the reader gets them: title, one block per source worst first, findings, links;
// the shapes of webhook, Slack and ntfy; long rounds cut in whole blocks.
import { describe, expect, it } from 'vitest';
import { alertDocument, composeChannelFailingAlert, composeStatusAlert, composeTestAlert, fitText } from '../../../electron/engine/alerts/compose';
import { ntfyMessage } from '../../../electron/engine/alerts/senders/ntfy';
import { slackMessage } from '../../../electron/engine/alerts/senders/slack';
import type { AlertItem } from '../../../electron/engine/alerts/types';

const AT = Date.UTC(2026, 11, 3, 2, 10);

const orders: AlertItem = {
  sourceId: 'orders-dumps',
  sourceName: 'Orders dumps',
  reason: 'problem',
  from: 'ok',
  to: 'critical',
  findings: [
    { rule: 'backup-age', status: 'critical', message: 'The newest dump is 31h old (limit 26h): check the pg_dump cron job on db1' },
    { rule: 'backup-size', status: 'warning', message: 'The newest dump is 40% smaller than usual' },
  ],
  link: 'https://backup.example.com/#/source/orders-dumps',
};
const billing: AlertItem = { sourceId: 'billing-db', sourceName: 'billing-db', reason: 'problem', from: null, to: 'warning', findings: [{ rule: 'wal-archiving', status: 'warning', message: 'WAL archiving is 20 min behind' }] };
const wiki: AlertItem = { sourceId: 'wiki-restic', sourceName: 'Wiki restic', reason: 'recovered', from: 'critical', to: 'ok', findings: [] };

describe('composeStatusAlert', () => {
  it('one source: the title says which and what, the text names each finding and links the source', () => {
    const alert = composeStatusAlert([orders], AT);
    expect(alert.status).toBe('critical');
    expect(alert.title).toBe('Backup Health: Orders dumps is critical (was ok)');
    expect(alert.text).toBe(
      [
        'CRITICAL: Orders dumps (orders-dumps) is critical (was ok)',
        '  - The newest dump is 31h old (limit 26h): check the pg_dump cron job on db1',
        '  - warning: The newest dump is 40% smaller than usual',
        '  https://backup.example.com/#/source/orders-dumps',
      ].join('\n'),
    );
  });

  it('a round: counts by status in the title, recoveries told apart, first sight said so', () => {
    const alert = composeStatusAlert([orders, billing, wiki], AT);
    expect(alert.title).toBe('Backup Health: 2 sources need attention (1 critical, 1 warning); 1 recovered');
    expect(alert.text).toContain('WARNING: billing-db is warning when first checked\n  - WAL archiving is 20 min behind');
    expect(alert.text).toContain('RECOVERED: Wiki restic (wiki-restic) recovered (was critical, now ok)');
    expect(alert.text.indexOf('CRITICAL')).toBeLessThan(alert.text.indexOf('WARNING'));
  });

  it('recoveries only: an ok alert', () => {
    const alert = composeStatusAlert([wiki, { ...wiki, sourceId: 'x', sourceName: 'X' }], AT);
    expect(alert).toMatchObject({ status: 'ok', title: 'Backup Health: 2 sources recovered' });
  });

  it('a reminder says the source is still critical', () => {
    expect(composeStatusAlert([{ ...orders, reason: 'reminder', from: 'critical' }], AT).title).toBe('Backup Health: Orders dumps is still critical');
  });
});

describe('long rounds', () => {
  const many = Array.from({ length: 1000 }, (_, i): AlertItem => ({ ...orders, sourceId: `s-${i}`, sourceName: `Source ${i}` }));
  const alert = composeStatusAlert(many, AT);

  it('fitText keeps whole source blocks and says how many more there are', () => {
    const text = fitText(alert, 3000);
    expect(text.length).toBeLessThanOrEqual(3000);
    const shown = text.split('\n\n').length - 1;
    expect(text).toMatch(new RegExp(`… and ${1000 - shown} more sources: see the dashboard$`));
    expect(text.split('\n\n').slice(0, -1).every((block) => block.startsWith('CRITICAL: Source '))).toBe(true);
    expect(fitText(composeStatusAlert([orders], AT), 3000)).toBe(composeStatusAlert([orders], AT).text);
  });

  it('Slack and ntfy messages stay within their limits; the webhook document keeps every source', () => {
    expect(slackMessage(alert).text.length).toBeLessThan(40_000);
    expect(Buffer.byteLength(ntfyMessage(alert, { topic: 'ops' }).message)).toBeLessThan(4096);
    // names in another script take more bytes than characters
    const wide = composeStatusAlert(many.map((i) => ({ ...i, link: undefined, sourceName: `Резервные копии заказов ${i.sourceId}`, findings: [{ rule: 'backup-age', status: 'critical', message: 'Последний дамп старше 31 ч (предел 26 ч): проверьте задание cron для pg_dump на сервере базы данных' }] })), AT);
    const message = ntfyMessage(wide, { topic: 'ops' }).message;
    expect(Buffer.byteLength(message)).toBeLessThan(4096);
    expect(message).toMatch(/Резервные копии заказов s-0\b[\s\S]*… and \d+ more sources: see the dashboard$/);
    expect(alertDocument(alert, 'hook').sources).toHaveLength(1000);
  });
});

describe('wire shapes', () => {
  const alert = composeStatusAlert([orders, wiki], AT);

  it('the webhook document', () => {
    expect(alertDocument(alert, 'ops-hook')).toEqual({
      version: 1,
      purpose: 'status',
      channel: 'ops-hook',
      at: '2026-12-03T02:10:00.000Z',
      status: 'critical',
      title: alert.title,
      text: alert.text,
      sources: [
        { id: 'orders-dumps', name: 'Orders dumps', reason: 'problem', from: 'ok', to: 'critical', findings: orders.findings.map(({ rule, status, message }) => ({ rule, status, message })), link: orders.link },
        { id: 'wiki-restic', name: 'Wiki restic', reason: 'recovered', from: 'critical', to: 'ok', findings: [] },
      ],
      channelFailures: [],
    });
  });

  it('Slack escapes its control characters and bolds the title', () => {
    const text = slackMessage(composeStatusAlert([{ ...billing, findings: [{ rule: 'dump-version', status: 'warning', message: 'pg_dump <15 & older' }] }], AT)).text;
    expect(text.split('\n')[0]).toBe('*Backup Health: billing-db is warning when first checked*');
    expect(text).toContain('pg_dump &lt;15 &amp; older');
  });

  it('ntfy: priority and tag by status, the first link as click, the channel priority winning', () => {
    expect(ntfyMessage(alert, { topic: 'ops' })).toMatchObject({ topic: 'ops', title: alert.title, priority: 5, tags: ['rotating_light'], click: orders.link });
    expect(ntfyMessage(composeStatusAlert([wiki], AT), { topic: 'ops', priority: 2 })).toMatchObject({ priority: 2, tags: ['white_check_mark'] });
    expect(ntfyMessage(composeStatusAlert([wiki], AT), { topic: 'ops' }).click).toBeUndefined();
  });

  it('the failing-channel notice and the test alert', () => {
    const notice = composeChannelFailingAlert([{ channelId: 'ops-mail', summary: 'e-mail alerts to ops@example.com are failing', message: 'e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts undelivered since 02:10' }], AT);
    expect(notice).toMatchObject({ purpose: 'channel-failing', status: 'critical', title: 'Backup Health: e-mail alerts to ops@example.com are failing' });
    expect(notice.text).toContain('(channel ops-mail)');
    expect(composeTestAlert('ops-hook', AT)).toMatchObject({ purpose: 'test', title: 'Backup Health: test alert' });
  });
});
