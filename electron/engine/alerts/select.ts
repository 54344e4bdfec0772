// Which of a round's changes a channel hears about: its lowest alerting status, its sources/databases filter,
// recoveries, and reminders while a source stays critical. Pure: the dispatcher keeps the reminder clock.
import type { ChannelConfig } from '../../../shared/alerts-config';
import { STATUS_SEVERITY, type Finding, type Status } from '../../../shared/model';
import type { AlertItem, AlertReason, RoundContext, StatusChange } from './types';

type ChannelFilters = Pick<ChannelConfig, 'minStatus' | 'sources' | 'databases' | 'recoveries' | 'remindEvery'>;

/** When each source was last put in an alert to this channel (ms), for reminders. */
export type LastAlerted = ReadonlyMap<string, number>;

const atOrAbove = (status: Status | null, min: Status) => status !== null && STATUS_SEVERITY[status] >= STATUS_SEVERITY[min];

/** Why this change alerts a channel whose lowest alerting status is `min`, or null when it does not. */
export function reasonFor(change: Pick<StatusChange, 'from' | 'to'>, min: Status, recoveries: boolean): AlertReason | null {
  if (change.from === change.to) return null;
  const wasBad = atOrAbove(change.from, min);
  const isBad = atOrAbove(change.to, min);
  // First seen (from null) at or above min is news: bad news on the first start is still bad news.
  if (isBad) return wasBad ? 'changed' : 'problem';
  return wasBad && recoveries ? 'recovered' : null;
}

/** Whether the channel's sources/databases filter lets this source through (no filter: every source). */
export function channelWatches(channel: Pick<ChannelFilters, 'sources' | 'databases'>, sourceId: string, context: RoundContext): boolean {
  if (!channel.sources && !channel.databases) return true;
  if (channel.sources?.includes(sourceId)) return true;
  const databases = context.sources[sourceId]?.databases ?? [];
  return channel.databases?.some((name) => databases.includes(name)) ?? false;
}

/**
 * The items of this round's alert to a channel: its matching changes, then reminders for sources that stayed
 * critical since they were last alerted more than remindEvery ago. Worst first; recoveries last.
 */
export function selectItems(channel: ChannelFilters, changes: readonly StatusChange[], context: RoundContext, lastAlerted: LastAlerted = new Map()): AlertItem[] {
  const items: AlertItem[] = [];
  const changed = new Set<string>();
  for (const change of changes) {
    changed.add(change.sourceId);
    if (!channelWatches(channel, change.sourceId, context)) continue;
    const reason = reasonFor(change, channel.minStatus, channel.recoveries);
    if (reason) items.push(item(change.sourceId, reason, change.from, change.to, change.findings, context));
  }
  if (channel.remindEvery !== undefined) {
    for (const [sourceId, facts] of Object.entries(context.sources)) {
      if (changed.has(sourceId) || facts.status !== 'critical' || !channelWatches(channel, sourceId, context)) continue;
      const last = lastAlerted.get(sourceId);
      // Never alerted (critical before this process started, say): the first reminder is due now.
      if (last !== undefined && context.at - last < channel.remindEvery) continue;
      items.push(item(sourceId, 'reminder', 'critical', 'critical', facts.findings ?? [], context));
    }
  }
  return items.sort(worstFirst);
}

/** The reminder clock after an alert with these items went out at `at`: recovered sources are forgotten. */
export function nextLastAlerted(previous: LastAlerted, items: readonly AlertItem[], at: number): Map<string, number> {
  const next = new Map(previous);
  for (const item of items) {
    if (item.to === 'critical') next.set(item.sourceId, at);
    else next.delete(item.sourceId);
  }
  return next;
}

function item(sourceId: string, reason: AlertReason, from: Status | null, to: Status, findings: Finding[], context: RoundContext): AlertItem {
  const link = sourceLink(context.dashboardUrl, sourceId);
  return {
    sourceId,
    sourceName: context.sources[sourceId]?.name ?? sourceId,
    reason,
    from,
    to,
    findings: findings.filter((f) => f.status !== 'ok').sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status]),
    ...(link ? { link } : {}),
  };
}

/** The source's page (renderer/routes.ts: #/source/<id>) under the dashboard's address. */
export function sourceLink(dashboardUrl: string | undefined, sourceId: string): string | undefined {
  if (!dashboardUrl) return undefined;
  return `${dashboardUrl.replace(/[#/]+$/, '')}/#/source/${encodeURIComponent(sourceId)}`;
}

function worstFirst(a: AlertItem, b: AlertItem): number {
  const rank = (i: AlertItem) => (i.reason === 'recovered' ? -1 : STATUS_SEVERITY[i.to]);
  return rank(b) - rank(a) || a.sourceName.localeCompare(b.sourceName) || a.sourceId.localeCompare(b.sourceId);
}
