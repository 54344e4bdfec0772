// A plain-format dump file as pg_dump writes it (header and closing line), for tests that need dump files
// but not their contents: the probe reads only the header and the tail.
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HEAD = '--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.18\n-- Dumped by pg_dump version 15.18\n\n';
const TAIL = '\n--\n-- PostgreSQL database dump complete\n--\n\n';

/** Writes `dir/name`, `bytes` long (0 = an empty file, what a failed pg_dump leaves), dated `ageMs` ago. */
export function writePlainDump(dir: string, name: string, ageMs: number, bytes = 4096): string {
  const file = join(dir, name);
  writeFileSync(file, bytes === 0 ? '' : HEAD + 'x'.repeat(Math.max(0, bytes - HEAD.length - TAIL.length)) + TAIL);
  const when = new Date(Date.now() - ageMs);
  utimesSync(file, when, when);
  return file;
}
