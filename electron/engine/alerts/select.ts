// Which of a round's changes a channel hears about: its lowest alerting status, its sources/databases filter,
// recoveries, and reminders while a source stays critical. Pure: what each channel was last told about each source
// (Told) comes in, and what to remember of this round goes out; the dispatcher keeps it in the history file.
//
// A change is told against what the channel was last told, not against the change's own `from`: so an alert
// another process (the previous lease holder) already sent is not sent again, and a source whose status moved
// while no round looked (the app stopped, a quiet process, a crash between a change and its round) is told what
// it is now: a recovery that came while the app was stopped still reaches the channel, once.
import type { ChannelConfig } from '../../../shared/alerts-config';
import { databaseKeyOf, databaseRoute } from '../../../shared/databases';
import { STATUS_SEVERITY, type Finding, type Status } from '../../../shared/model';
import type { AlertItem, AlertReason, RoundContext, StatusChange } from './types';

type ChannelFilters = Pick<ChannelConfig, 'minStatus' | 'sources' | 'databases' | 'recoveries' | 'remindEvery'>;

/** What a channel was last told about a source: the status it knows the source in, and when that was said (ms). */
export interface Told {
  status: Status;
  at: number;
}

/** A channel's record, by source id. */
export type ToldState = ReadonlyMap<string, Told>;

/** Where each channel's record is kept (store/deliveries.ts, in the history file, so it outlives the process). */
export interface ToldLog {
  told(channelId: string): Map<string, Told>;
  /** null forgets the source. */
  setTold(channelId: string, updates: ReadonlyMap<string, Told | null>): void;
}

/** A change as the alert service hands it over; `at`, when it was observed, lets a newer record settle it. */
export interface RoundChange extends StatusChange {
  at?: number;
}

/** A round's items for one channel, and the changes to its record once they are sent. */
export interface ChannelRound {
  items: AlertItem[];
  told: Map<string, Told>;
}

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
 * The items of this round's alert to a channel, worst first and recoveries last, and what the channel's record
 * becomes: its matching changes, told against the record; then, for watched sources that did not change this
 * round, what moved since the channel was last told (its record against the status now); then reminders for
 * sources still critical whose record is older than remindEvery (or that the channel was never told of).
 */
export function selectRound(channel: ChannelFilters, changes: readonly RoundChange[], context: RoundContext, told: ToldState = new Map()): ChannelRound {
  const items: AlertItem[] = [];
  const view = new Map(told);
  const next = new Map<string, Told>();
  const remember = (sourceId: string, status: Status) => {
    const record = { status, at: context.at };
    view.set(sourceId, record);
    next.set(sourceId, record);
  };
  const changed = new Set<string>();
  for (const change of changes) {
    if (!channelWatches(channel, change.sourceId, context)) continue;
    // Observed before the channel's record was written (by this process or the previous sender): already
    // settled there; the status now decides below.
    const record = told.get(change.sourceId);
    if (record && change.at !== undefined && change.at < record.at) continue;
    changed.add(change.sourceId);
    const known = view.get(change.sourceId);
    const from = known ? known.status : change.from;
    const reason = reasonFor({ from, to: change.to }, channel.minStatus, channel.recoveries);
    if (reason) items.push(item(change.sourceId, reason, from, change.to, change.findings, context));
    // A change the channel is not told of (below minStatus, a recovery it does not want) still moves its record,
    // so that going bad again is news again.
    if (reason || known?.status !== change.to) remember(change.sourceId, change.to);
  }
  for (const [sourceId, facts] of Object.entries(context.sources)) {
    if (changed.has(sourceId) || facts.status === undefined || !channelWatches(channel, sourceId, context)) continue;
    const known = view.get(sourceId);
    if (known && known.status !== facts.status) {
      const reason = reasonFor({ from: known.status, to: facts.status }, channel.minStatus, channel.recoveries);
      if (reason) items.push(item(sourceId, reason, known.status, facts.status, facts.findings ?? [], context));
      remember(sourceId, facts.status);
      continue;
    }
    if (channel.remindEvery === undefined || facts.status !== 'critical') continue;
    // Never told (critical before this channel existed, say): the first reminder is due now.
    if (known && context.at - known.at < channel.remindEvery) continue;
    items.push(item(sourceId, 'reminder', 'critical', 'critical', facts.findings ?? [], context));
    remember(sourceId, 'critical');
  }
  return { items: items.sort(worstFirst), told: next };
}

/** The items alone (see selectRound). */
export function selectItems(channel: ChannelFilters, changes: readonly RoundChange[], context: RoundContext, told: ToldState = new Map()): AlertItem[] {
  return selectRound(channel, changes, context, told).items;
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

/** The source's page (renderer/routes.ts: #/source/<id>), or a database's, under the dashboard's address. */
export function sourceLink(dashboardUrl: string | undefined, sourceId: string): string | undefined {
  if (!dashboardUrl) return undefined;
  const database = databaseKeyOf(sourceId);
  return `${dashboardUrl.replace(/[#/]+$/, '')}/${database === null ? `#/source/${encodeURIComponent(sourceId)}` : databaseRoute(database)}`;
}

function worstFirst(a: AlertItem, b: AlertItem): number {
  const rank = (i: AlertItem) => (i.reason === 'recovered' ? -1 : STATUS_SEVERITY[i.to]);
  return rank(b) - rank(a) || a.sourceName.localeCompare(b.sourceName) || a.sourceId.localeCompare(b.sourceId);
}
