import { describe, expect, it } from 'vitest';
import { parseTocList } from '../../../electron/engine/pg-dump/toc';
import { restoreList } from '../../../electron/engine/drills/restore-list';
import { describeRefusal, findRefusal } from '../../../electron/engine/drills/restore-refusals';

// A --list as pg_restore 15 prints it for a database with an event trigger, a publication, a foreign server
// with a user mapping (whose SQL holds a password), a LEAKPROOF function and ordinary objects.
const LIST = `;
; Archive created at 2026-12-03 10:00:00 UTC
;     dbname: shop
216; 1259 16391 TABLE public orders app
3340; 0 16391 TABLE DATA public orders app
220; 1255 16400 FUNCTION public leaky_eq(integer, integer) app
3350; 0 0 COMMENT public FUNCTION leaky_eq(integer, integer) app
221; 1255 16401 FUNCTION public plain_fn() app
3400; 3466 16410 EVENT TRIGGER - evt postgres
3401; 0 0 COMMENT - EVENT TRIGGER evt postgres
3402; 6104 16411 PUBLICATION - pub postgres
3403; 6106 16412 PUBLICATION TABLE public pub orders postgres
3404; 1417 16413 SERVER - remote postgres
3405; 1418 16414 USER MAPPING - USER MAPPING app SERVER remote postgres
3406; 1259 16415 FOREIGN TABLE public far app
`;

describe('restoreList', () => {
  const { entries } = parseTocList(LIST);

  it('keeps ordinary items and leaves out, by name, what only a superuser may create', () => {
    const list = restoreList(entries, ['public leaky_eq(integer, integer)']);
    expect(list.text.split('\n').filter(Boolean).map((l) => Number(l.split(';')[0]))).toEqual([216, 3340, 221]);
    expect(list.kept).toBe(3);
    expect(list.skipped).toEqual([
      'FUNCTION public.leaky_eq(integer, integer) (LEAKPROOF)',
      'EVENT TRIGGER evt',
      'PUBLICATION pub',
      'PUBLICATION TABLE public.pub orders',
      'SERVER remote',
      'USER MAPPING app SERVER remote',
      'FOREIGN TABLE public.far',
    ]);
  });

  it('restores a function that is not LEAKPROOF', () => {
    expect(restoreList(entries).text).toContain('220; FUNCTION public leaky_eq(integer, integer) app');
  });
});

describe('findRefusal', () => {
  it('names the attempt and the TOC entry, never the SQL', () => {
    const stderr = [
      'pg_restore: from TOC entry 3210; 1259 16400 INDEX public evil_idx app',
      'pg_restore: error: could not execute query: ERROR:  must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program',
      'HINT:  Anyone can COPY to stdout or from stdin. psql\'s \\copy command also works for anyone.',
      "CONTEXT:  SQL statement \"COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'\"",
      "Command was: CREATE INDEX evil_idx ON public.t USING btree (public.evil(x));",
    ].join('\n');
    const refusal = findRefusal(stderr)!;
    expect(refusal).toEqual({ attempt: 'run a program (COPY … PROGRAM)', item: 'INDEX public.evil_idx' });
    const message = describeRefusal(refusal);
    expect(message).toMatch(/^refused: the backup tried to run a program \(COPY … PROGRAM\) in INDEX public\.evil_idx/);
    expect(message).not.toMatch(/touch|CREATE INDEX/);
  });

  it('names the nearest entry above the error, never one from before an earlier error', () => {
    const stderr = [
      'pg_restore: from TOC entry 12; 1255 16401 FUNCTION public evil_c(text) app',
      'pg_restore: from TOC entry 40; 0 16391 TABLE DATA public orders app',
      'pg_restore: error: could not execute query: ERROR:  permission denied for language c',
    ].join('\n');
    expect(findRefusal(stderr)).toEqual({ attempt: 'load code (a function in the untrusted language c)', item: 'TABLE DATA public.orders' });
    expect(findRefusal('pg_restore: from TOC entry 12; 1255 16401 FUNCTION public f() app\nERROR:  syntax error\nERROR:  permission denied for language c')).toEqual({ attempt: 'load code (a function in the untrusted language c)' });
  });

  it('with parallel workers, names the entry the error itself mentions, not another worker\'s', () => {
    // pg_restore -j 2: both workers failed; worker B's entry line came between worker A's and A's error.
    const stderr = [
      'pg_restore: from TOC entry 3352; 0 16400 TABLE DATA public checked app',
      'pg_restore: from TOC entry 3207; 1259 16420 INDEX public other_idx app',
      'pg_restore: creating CONSTRAINT "public.innocent innocent_pkey"',
      'pg_restore: error: COPY failed for table "checked": ERROR:  must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program',
      'CONTEXT:  SQL statement "COPY (select 1) TO PROGRAM \'id\'"',
      'COPY checked, line 1: "1"',
    ].join('\n');
    expect(findRefusal(stderr)).toEqual({ attempt: 'run a program (COPY … PROGRAM)', item: 'TABLE DATA public.checked' });
  });

  it("finds an entry line another worker's output broke into, and falls back to the table a COPY error names", () => {
    const broken = [
      'pg_restore: pg_restore: from TOC entry 3352; 0 16400 TABLE DATA public checked app',
      'finished item 3351 TABLE DATA innocent',
      'pg_restore: error: COPY failed for table "checked": ERROR:  must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program',
    ].join('\n');
    expect(findRefusal(broken)?.item).toBe('TABLE DATA public.checked');
    const lost = 'pg_restore: error: COPY failed for table "checked": ERROR:  must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program';
    expect(findRefusal(lost)?.item).toBe('TABLE DATA checked');
  });

  it("keeps psql's line for a plain dump, and finds nothing in an ordinary failure", () => {
    expect(findRefusal('psql:<stdin>:57: ERROR:  must be superuser to execute ALTER SYSTEM command')).toEqual({ attempt: "change the server's configuration (ALTER SYSTEM)", item: 'line 57 of the script', scriptLine: 57 });
    expect(findRefusal('pg_restore: error: could not execute query: ERROR:  relation "x" does not exist')).toBeNull();
  });
});
