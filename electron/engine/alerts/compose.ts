// The words of an alert: a title a phone can show and a text a sysadmin can act on, worst first, each source
// with its status change and its findings' messages. Pure; each sender shapes these for its wire.
import { worstStatus, type Status } from '../../../shared/model';
import type { Alert, AlertItem, ChannelFailureNotice } from './types';

const APP = 'Backup Health';

export function composeStatusAlert(items: readonly AlertItem[], at: number): Alert {
  const problems = items.filter((i) => i.reason !== 'recovered');
  return {
    purpose: 'status',
    at,
    status: worstStatus(problems.map((i) => i.to), 'ok'),
    title: `${APP}: ${statusTitle(items)}`,
    text: items.map(itemText).join('\n\n'),
    items: [...items],
    channelFailures: [],
  };
}

/** The notice sent through the working channels when one stops delivering (channel-failure.ts words it). */
export function composeChannelFailingAlert(failures: readonly ChannelFailureNotice[], at: number): Alert {
  const title = failures.length === 1 ? failures[0]!.summary : `${failures.length} alert channels are failing`;
  return {
    purpose: 'channel-failing',
    at,
    status: 'critical',
    title: `${APP}: ${title}`,
    text: `${failures.map((f) => `${f.message} (channel ${f.channelId})`).join('\n')}\nUntil this is fixed, alerts sent there do not reach anyone.`,
    items: [],
    channelFailures: [...failures],
  };
}

export function composeTestAlert(channelId: string, at: number): Alert {
  return {
    purpose: 'test',
    at,
    status: 'ok',
    title: `${APP}: test alert`,
    text: `This is a test alert from ${APP} to the channel ${channelId}. If you can read it, alerts reach you here.`,
    items: [],
    channelFailures: [],
  };
}

function statusTitle(items: readonly AlertItem[]): string {
  if (items.length === 1) return `${items[0]!.sourceName} ${headline(items[0]!)}`;
  const recovered = items.filter((i) => i.reason === 'recovered').length;
  const bad = items.length - recovered;
  const counts = (['critical', 'unknown', 'warning'] as Status[])
    .map((status) => [status, items.filter((i) => i.reason !== 'recovered' && i.to === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  const recoveredWords = recovered > 0 ? `${recovered} recovered` : '';
  if (bad === 0) return `${recovered} sources recovered`;
  return `${bad} ${bad === 1 ? 'source needs' : 'sources need'} attention (${counts.join(', ')})${recoveredWords ? `; ${recoveredWords}` : ''}`;
}

/** "is critical", "recovered (was critical)", "is still critical", "is critical when first checked". */
function headline(item: AlertItem): string {
  switch (item.reason) {
    case 'recovered':
      return `recovered (was ${item.from}, now ${item.to})`;
    case 'reminder':
      return 'is still critical';
    default:
      if (item.from === null) return `is ${item.to} when first checked`;
      return `is ${item.to} (was ${item.from})`;
  }
}

function label(item: AlertItem): string {
  if (item.reason === 'recovered') return 'RECOVERED';
  if (item.reason === 'reminder') return 'STILL CRITICAL';
  return item.to.toUpperCase();
}

/** One source's block: its status line, each finding's message, its link. */
export function itemText(item: AlertItem): string {
  const name = item.sourceName === item.sourceId ? item.sourceName : `${item.sourceName} (${item.sourceId})`;
  const lines = [`${label(item)}: ${name} ${headline(item)}`];
  for (const finding of item.findings) lines.push(`  - ${finding.status === item.to ? '' : `${finding.status}: `}${finding.message}`);
  if (item.link) lines.push(`  ${item.link}`);
  return lines.join('\n');
}

/**
 * The alert's text within `maxChars` (ntfy and Slack cut long messages): whole source blocks, worst first,
 * then how many more there are and where to see them.
 */
export function fitText(alert: Alert, maxChars: number): string {
  if (alert.text.length <= maxChars) return alert.text;
  const room = maxChars - 64; // for the last line
  const kept: string[] = [];
  let length = 0;
  for (const item of alert.items) {
    const block = itemText(item);
    if (length + block.length + 2 > room) break;
    kept.push(block);
    length += block.length + 2;
  }
  if (kept.length === 0) return `${alert.text.slice(0, maxChars - 1)}…`;
  const rest = alert.items.length - kept.length;
  return `${kept.join('\n\n')}\n\n… and ${rest} more ${rest === 1 ? 'source' : 'sources'}: see the dashboard`;
}

/**
 * The JSON a webhook receives and a command reads on stdin (README documents it). `version` changes only
 * when a field changes meaning or goes away.
 */
export function alertDocument(alert: Alert, channelId: string) {
  return {
    version: 1,
    purpose: alert.purpose,
    channel: channelId,
    at: new Date(alert.at).toISOString(),
    status: alert.status,
    title: alert.title,
    text: alert.text,
    sources: alert.items.map((i) => ({
      id: i.sourceId,
      name: i.sourceName,
      reason: i.reason,
      from: i.from,
      to: i.to,
      findings: i.findings.map((f) => ({ rule: f.rule, status: f.status, message: f.message })),
      ...(i.link ? { link: i.link } : {}),
    })),
    channelFailures: alert.channelFailures,
  };
}
