// The period of a report, as the CLI and the API take it: `since` (a duration back from now, 90d by default), or
// `from` and `to` dates (UTC unless they say otherwise; a date alone as `to` means its whole day). Pure.
import { DURATION_RANGES, parseDuration, writeDuration } from '../../../shared/units';
import { ReportRequestError } from './make-report';

const DAY_MS = 86_400_000;
export const DEFAULT_SINCE = '90d';

export function reportPeriod(request: { since?: string; from?: string; to?: string }, now: number, names = { since: 'since', from: 'from', to: 'to' }): { from: number; to: number } {
  const { since, from, to } = names;
  if (request.since !== undefined && (request.from !== undefined || request.to !== undefined)) throw new ReportRequestError(`use ${since} or ${from}/${to}, not both`);
  if (request.to !== undefined && request.from === undefined) throw new ReportRequestError(`${to} needs ${from} DATE too`);
  if (request.from !== undefined) {
    const start = dateOf(from, request.from, false);
    const end = request.to === undefined ? now : dateOf(to, request.to, true);
    if (!(start < end)) throw new ReportRequestError(`${from} must be before ${to} (found ${request.from} and ${request.to ?? 'now'})`);
    return { from: start, to: Math.min(end, now) };
  }
  const text = request.since ?? DEFAULT_SINCE;
  const ms = typeof text === 'string' ? parseDuration(text) : null;
  const range = DURATION_RANGES.since;
  if (ms === null) throw new ReportRequestError(`${since}: ${JSON.stringify(String(text).slice(0, 40))} is not a duration (use 30d, 13w, 1y)`);
  if (ms < range.min || ms > range.max) throw new ReportRequestError(`${since} must be between ${writeDuration(range.min)} and ${writeDuration(range.max)} (found ${text})`);
  return { from: now - ms, to: now };
}

function dateOf(name: string, text: unknown, endOfDay: boolean): number {
  const match = typeof text === 'string' ? /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text) : null;
  const dateOnly = match !== null && match[2] === undefined;
  const ms = match === null ? Number.NaN : Date.parse(dateOnly ? `${match[1]}T00:00:00Z` : `${match[1]}T${match[2]}${match[3] ?? 'Z'}`);
  if (Number.isNaN(ms)) throw new ReportRequestError(`${name}: ${JSON.stringify(String(text).slice(0, 40))} is not a date (use 2026-09-01, or 2026-09-01T08:00Z; UTC unless it says otherwise)`);
  return dateOnly && endOfDay ? ms + DAY_MS : ms;
}
