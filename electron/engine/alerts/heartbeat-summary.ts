// What a heartbeat ping says, decided without I/O: success or fail (Healthchecks' `/fail` when anything is
// critical), the one-line body ("12 sources: 10 ok, 1 warning, 1 critical — orders-dumps: The newest dump is 3d
// old …"), and the fail URL for a ping URL.
import { STATUS_SEVERITY, type Status } from '../../../shared/model';
import type { ChannelFailureFinding } from './channel-failure';
import type { SourceFacts } from './types';

/** What the engine knows when a round ends: its sources (as the dispatcher's RoundContext holds them). */
export interface HeartbeatRound {
  sources: Readonly<Record<string, SourceFacts>>;
  /** Alert channels that stopped delivering (AlertDispatcher.failingChannels): critical, so the ping fails too. */
  failingChannels?: readonly Pick<ChannelFailureFinding, 'status' | 'message'>[];
}

export type PingKind = 'success' | 'fail';

export interface HeartbeatSummary {
  kind: PingKind;
  /** The worst status among the sources and the failing channels (ok when there is nothing). */
  worst: Status;
  sources: number;
  /** The ping's body: one line. */
  line: string;
}

/** A finding's message is a sentence; more than this of it is cut ("…"), so the line stays a line. */
const DETAIL_CHARS = 200;
const COUNT_ORDER: readonly Status[] = ['ok', 'warning', 'unknown', 'critical'];

export function heartbeatSummary(round: HeartbeatRound): HeartbeatSummary {
  const entries = Object.entries(round.sources).map(([id, facts]) => ({ id, status: facts.status ?? 'unknown', findings: facts.findings ?? [] }));
  const channels = round.failingChannels ?? [];
  const worst = [...entries.map((e) => e.status), ...channels.map((c) => c.status)].reduce<Status>((a, b) => (STATUS_SEVERITY[b] > STATUS_SEVERITY[a] ? b : a), 'ok');

  const counts = COUNT_ORDER.map((status) => [status, entries.filter((e) => e.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  let line = entries.length === 0 ? 'no sources' : `${entries.length} ${entries.length === 1 ? 'source' : 'sources'}: ${counts.join(', ')}`;
  if (channels.length > 0) line += `; ${channels.length} alert ${channels.length === 1 ? 'channel' : 'channels'} failing`;

  const detail = worstDetail(entries, worst) ?? (channels[0] ? oneLine(channels[0].message) : null);
  if (detail !== null) line += ` — ${detail}`;
  return { kind: worst === 'critical' ? 'fail' : 'success', worst, sources: entries.length, line };
}

/** "orders-dumps: The newest dump is 3d old …; and 2 more critical", or null when the worst is ok. */
function worstDetail(entries: readonly { id: string; status: Status; findings: readonly { status: Status; message: string }[] }[], worst: Status): string | null {
  if (worst === 'ok') return null;
  const [first, ...others] = entries.filter((e) => e.status === worst);
  if (!first) return null;
  const finding = [...first.findings].sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status])[0];
  const detail = `${first.id}: ${finding ? oneLine(finding.message) : worst}`;
  return others.length > 0 ? `${detail}; and ${others.length} more ${worst}` : detail;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > DETAIL_CHARS ? `${flat.slice(0, DETAIL_CHARS - 1)}…` : flat;
}

/**
 * Healthchecks' failure signal: `/fail` appended to the ping URL's path, its query kept in place
 * (https://hc-ping.com/KEY/db-backups?create=1 -> https://hc-ping.com/KEY/db-backups/fail?create=1).
 */
export function failUrl(pingUrl: string): string {
  const url = new URL(pingUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/fail`;
  url.hash = '';
  return url.toString();
}
