// How the rules speak of each kind of source, in that kind's own words: where it is, what one backup is called
// and how it is named, and what a sysadmin should check when the newest backup is stale, small, empty or
// missing. A stale restic repository is told about its restic backup job, a borg repository about its borg
// create timer, a pgBackRest stanza about its pgbackrest cron; only a dump-dir hears about a dump job.
//
// The words themselves live in each kind's folder (sources/<kind>/words.ts) and reach the rules with the input
// (EvaluationInput.words, filled by sources/evaluate.ts from the kind's module): health never imports a kind.
import type { SourceConfig } from '../../../shared/config';

/** Every kind but postgres holds backups; the backup rules (age, size, readability, drills) judge them alike. */
export type BackupSourceConfig = Exclude<SourceConfig, { kind: 'postgres' }>;
export type BackupKind = BackupSourceConfig['kind'];

export interface BackupWords<S extends BackupSourceConfig> {
  /** One backup, as the tool calls it: "backup", "snapshot", "archive". */
  noun: string;
  /** How a backup is named in a message: a file name, a short snapshot id, an archive name, a backup label. */
  name(key: string): string;
  /** What to check when the newest backup is older than maxAge. */
  stale(source: S): string;
  /** What to check when the newest backup is smaller than minSize or than the backups before it. */
  small(source: S): string;
  /** Why the newest backup is empty (0 bytes), and what to check. */
  empty(source: S): string;
  /** Why the newest backup cannot be read, when the probe did not say. */
  unreadable: string;
  /** "no file matching … in …": what is missing when a poll finds no backup at all. */
  none(source: S): string;
  /** What to check when there is no backup at all; null when `none` says it already. */
  noneHint(source: S): string | null;
}

/** The words of one source's kind, as the rules receive them. */
export interface KindWords {
  /** Where the source lives, safe to print (never a password in a URL). */
  location(source: SourceConfig): string;
  /** How its backups are spoken of; null for a kind that holds none (postgres). */
  backups: BackupWords<BackupSourceConfig> | null;
}

/** The backup words of the input's kind; only asked by rules that judge backups, after they skipped postgres. */
export function backupWords(input: { source: SourceConfig; words: KindWords }): BackupWords<BackupSourceConfig> {
  if (!input.words.backups) throw new Error(`a ${input.source.kind} source holds no backups: no backup rule judges it`);
  return input.words.backups;
}

/** Where a source lives, safe to print: host and port, socket directory, or path; never the URL. */
export function sourceLocation(input: { source: SourceConfig; words: KindWords }): string {
  return input.words.location(input.source);
}

export function sourceName(input: { source: SourceConfig }): string {
  return input.source.name ?? input.source.id;
}

export function fileName(key: string): string {
  return key.replace(/\/+$/, '').split('/').pop() || key;
}
