// How times, statuses and drill outcomes are put into words across the dashboard.
import type { DrillOutcome, DrillPhase, Finding, SourceKind, Status } from '../shared/model';
import { STATUS_SEVERITY } from '../shared/model';
import { SOURCE_KIND_INFO, type SourceKindInfo } from '../shared/source-kinds';
import { formatDuration } from '../shared/units';
import { visibleText } from '../shared/visible-text';

export const STATUS_WORD: Record<Status, string> = { ok: 'OK', warning: 'Warning', critical: 'Critical', unknown: 'Unknown' };

/** Worst first, as the overview sorts. */
export const STATUSES_WORST_FIRST: Status[] = (Object.keys(STATUS_SEVERITY) as Status[]).sort((a, b) => STATUS_SEVERITY[b] - STATUS_SEVERITY[a]);

/**
 * What one source is, in a few words (shared/kinds/<kind>.ts): its kind's label, or, when its backups are in a
 * bucket (a dump-dir with `url:`), the kind's words for that: "pg_dump files in a bucket", not "pg_dump
 * directory". `bucketUrl` is SourceSummary.bucketUrl or the config's url.
 */
export function sourceKindWord(kind: SourceKind, bucketUrl?: string | null): string {
  const info: SourceKindInfo = SOURCE_KIND_INFO[kind];
  return bucketUrl && info.bucketLabel ? info.bucketLabel : info.label;
}

export const OUTCOME_WORD: Record<DrillOutcome, string> = { pass: 'Passed', fail: 'Failed', error: 'Could not run' };

export const PHASE_WORD: Record<DrillPhase, string> = {
  prepare: 'Preparing a scratch PostgreSQL',
  copy: 'Copying the backup here',
  restore: 'Restoring',
  replay: 'Replaying WAL',
  verify: 'Verifying',
  cleanup: 'Cleaning up',
};

export function ago(at: number, now: number): string {
  const elapsed = now - at;
  return elapsed < 1000 ? 'just now' : `${formatDuration(elapsed)} ago`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function dateTime(at: number): string {
  return dateTimeFormat.format(at);
}

/** The finding a sysadmin should read first: the worst one, in the order the engine gave them. */
export function worstFinding(findings: readonly Finding[]): Finding | null {
  let worst: Finding | null = null;
  for (const finding of findings) {
    if (finding.status === 'ok') continue;
    if (worst === null || STATUS_SEVERITY[finding.status] > STATUS_SEVERITY[worst.status]) worst = finding;
  }
  return worst;
}

/**
 * A database as the dashboard names it: its name, or for a cluster backed up whole, "(what orders-pitr holds)".
 * A name can come from a dump's header, which is backup content: its control and bidi characters are shown escaped.
 */
export function databaseName(database: { name: string | null; routines: readonly { name: string }[] }): string {
  if (database.name !== null) return visibleText(database.name);
  const names = database.routines.map((r) => r.name);
  return `(what ${names.join(', ')} ${names.length === 1 ? 'holds' : 'hold'})`;
}
