// Backdating a pg_dump custom archive the way it would be dated had pg_dump run then: fixtures that copy one
// dump into "a week of nightly dumps" set each copy's mtime, and the header's creation time (which
// shared/newest-backup.ts trusts before the mtime) must say the same night. The header layout is described in
// electron/engine/pg-dump/archive-header.ts.
import { copyFileSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Sets a custom-format archive's header creation time (local time, as pg_dump writes it) and its mtime. */
export function dateCustomDump(file: string, when: Date): void {
  const bytes = readFileSync(file);
  if (bytes.subarray(0, 5).toString('latin1') !== 'PGDMP') throw new Error(`${file} is not a pg_dump custom archive`);
  const [major, minor] = [bytes[5]!, bytes[6]!];
  if (major !== 1 || minor < 4) throw new Error(`${file}: archive version ${major}.${minor} carries no creation time`);
  const intSize = bytes[8]!;
  let at = 11; // magic, major, minor, rev, intSize, offSize, format
  at += minor >= 15 ? 1 : 1 + intSize; // compression: an algorithm byte, or an int
  const fields = [when.getSeconds(), when.getMinutes(), when.getHours(), when.getDate(), when.getMonth(), when.getFullYear() - 1900, 0];
  for (const value of fields) {
    bytes[at] = 0; // sign
    for (let i = 0; i < intSize; i++) bytes[at + 1 + i] = i < 4 ? (value >>> (8 * i)) & 0xff : 0;
    at += 1 + intSize;
  }
  writeFileSync(file, bytes);
  utimesSync(file, when, when);
}

/**
 * Copies of the custom archive `source` in `dir`, one per name, made (by their headers) a second apart in the
 * order given, starting at `firstMadeAt`, and all with the mtime `mtime`: a directory copied at once, whose
 * files only their headers can order.
 */
export function dumpsMadeInOrder(source: string, dir: string, names: readonly string[], firstMadeAt: Date, mtime: Date): void {
  for (const [i, name] of names.entries()) {
    const file = join(dir, name);
    copyFileSync(source, file);
    dateCustomDump(file, new Date(firstMadeAt.getTime() + i * 1000));
    utimesSync(file, mtime, mtime);
  }
}
