// Sorting a failed restore's stderr into whose fault it is. Lines are as pg_restore 15, psql 15 and the
// PostgreSQL 15 server write them.
import { describe, expect, it } from 'vitest';
import { classifyRestoreOutput, isChatter } from '../../../electron/engine/drills/restore-errors';

describe('classifyRestoreOutput', () => {
  it('calls a cut archive corrupt, with the TOC entry it stopped at', () => {
    const stderr = `pg_restore: processing data for table "public.orders"
pg_restore: while PROCESSING TOC:
pg_restore: from TOC entry 3375; 0 16400 TABLE DATA orders app
pg_restore: error: could not read from input file: end of file
pg_restore: warning: errors ignored on restore: 1`;
    expect(classifyRestoreOutput(stderr)).toEqual({
      kind: 'corrupt',
      line: 'could not read from input file: end of file',
      context: 'TOC entry 3375; 0 16400 TABLE DATA orders app',
      errorCount: 1,
    });
  });

  it('finds a parallel restore losing its place in a cut archive', () => {
    expect(classifyRestoreOutput('pg_restore: error: could not find block ID 3377 in archive -- possibly corrupt archive')?.kind).toBe('corrupt');
  });

  it('puts a full disk first, from stderr or from the server log', () => {
    const stderr = `pg_restore: from TOC entry 3377; 0 16500 TABLE DATA bulk postgres
pg_restore: error: COPY failed for table "bulk": ERROR:  could not extend file "base/16384/16390": No space left on device
HINT:  Check free disk space.
pg_restore: error: could not execute query: server closed the connection unexpectedly`;
    expect(classifyRestoreOutput(stderr)).toMatchObject({ kind: 'no-space', context: 'TOC entry 3377; 0 16500 TABLE DATA bulk postgres' });
    const log = '2026-11-25 01:00:00.000 UTC [123] PANIC:  could not write to file "pg_wal/xlogtemp.123": No space left on device';
    expect(classifyRestoreOutput('pg_restore: error: could not execute query: server closed the connection unexpectedly', log)).toEqual({
      kind: 'no-space',
      line: 'PANIC: could not write to file "pg_wal/xlogtemp.123": No space left on device',
    });
  });

  it('tells what this machine lacks', () => {
    const missing = classifyRestoreOutput(
      'pg_restore: error: could not execute query: ERROR:  could not open extension control file "/usr/share/postgresql/15/extension/postgis.control": No such file or directory',
    );
    expect(missing).toMatchObject({ kind: 'environment' });
    expect(missing?.hint).toMatch(/extension postgis, which is not installed here/);
    expect(classifyRestoreOutput('psql:<stdin>:25: ERROR:  invalid locale name: "de_DE.UTF-8"')?.hint).toMatch(/locale de_DE.UTF-8/);
  });

  it('reports the first failing statement of a plain dump with its line', () => {
    expect(classifyRestoreOutput('psql:<stdin>:42: ERROR:  relation "public.nope" does not exist\nLINE 1: ALTER TABLE public.nope ...')).toEqual({
      kind: 'sql',
      line: 'ERROR: relation "public.nope" does not exist',
      context: 'line 42',
    });
  });

  it('tells an archive too new, and a server that went away', () => {
    expect(classifyRestoreOutput('pg_restore: error: unsupported version (1.16) in file header')?.kind).toBe('unsupported-version');
    expect(classifyRestoreOutput('psql:<stdin>:10: server closed the connection unexpectedly')?.kind).toBe('server-gone');
  });

  it('finds nothing in a clean run', () => {
    expect(classifyRestoreOutput('')).toBeNull();
    expect(classifyRestoreOutput('pg_restore: creating TABLE "public.orders"')).toBeNull();
  });
});

describe('isChatter', () => {
  it('drops -v progress, keeps errors and their context', () => {
    expect(isChatter('pg_restore: creating TABLE "public.orders"')).toBe(true);
    expect(isChatter('pg_restore: launching item 3375 TABLE DATA orders')).toBe(true);
    expect(isChatter('pg_restore: from TOC entry 3375; 0 16400 TABLE DATA orders app')).toBe(false);
    expect(isChatter('pg_restore: error: could not read from input file: end of file')).toBe(false);
  });
});
