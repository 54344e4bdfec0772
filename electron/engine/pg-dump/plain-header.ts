// The comment lines pg_dump and pg_dumpall write at the start of a plain SQL dump, before any statement, and
// the closing comment a complete one ends with: pure functions over its text.
import type { DumpHeader } from '../../../shared/model';
import { localTime } from './archive-header';

export const PLAIN_START = /^(?:\uFEFF)?--\r?\n-- PostgreSQL database (cluster )?dump\r?\n/;

export interface PlainHeaderParse {
  header: DumpHeader;
  clusterDump: boolean;
}

/** Parses the start of a plain SQL dump; null when the text does not start the way pg_dump's does. */
export function parsePlainHeader(text: string, format: 'plain' | 'plain-gzip' = 'plain'): PlainHeaderParse | null {
  const start = PLAIN_START.exec(text);
  if (!start) return null;
  const clusterDump = start[1] !== undefined;
  const header: DumpHeader = { format };
  const line = (pattern: RegExp) => pattern.exec(text)?.[1]?.trim();
  const serverVersion = line(/^-- Dumped from database version (.+?)\r?$/m);
  const pgDumpVersion = line(/^-- Dumped by pg_dump(?:all)? version (.+?)\r?$/m);
  if (serverVersion) header.serverVersion = serverVersion;
  if (pgDumpVersion) header.pgDumpVersion = pgDumpVersion;
  // pg_dump --verbose writes "-- Started on 2026-11-25 00:47:04 UTC".
  const started = /^-- Started on (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?: (\S+))?\r?$/m.exec(text);
  if (started) {
    const [y, mo, d, h, mi, s] = started.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const utc = started[7] === 'UTC' || started[7] === 'GMT';
    const at = utc ? Date.UTC(y, mo - 1, d, h, mi, s) : localTime(y, mo - 1, d, h, mi, s);
    if (at !== undefined && Number.isFinite(at)) header.createdAt = at;
  }
  // With --create the database's own entry comes first: "-- Name: orders; Type: DATABASE; ...".
  if (!clusterDump) {
    const dbName = line(/^-- Name: (.+?); Type: DATABASE; /m);
    if (dbName) header.dbName = dbName;
  }
  return { header, clusterDump };
}

/** Whether the end of a plain dump holds pg_dump's closing comment (a dump that stopped midway does not). */
export function plainDumpComplete(tail: string, clusterDump: boolean): boolean {
  return tail.includes(clusterDump ? '-- PostgreSQL database cluster dump complete' : '-- PostgreSQL database dump complete');
}
