// The judgements of verification: what makes a check pass, a table short of rows, a name readable.
import { describe, expect, it } from 'vitest';
import { checkName, compareWithLive, describeFailedCheck, describeSqlError, judgeCheck, tableLabel } from '../../../electron/engine/drills/verify';

const check = { name: 'enough customers', sql: 'select count(*) > 1000\n  from customers' };

describe('judgeCheck', () => {
  it('passes one row, one column, true; nothing else', () => {
    expect(judgeCheck(check, { rows: [[true]], columns: 1 })).toEqual({ name: 'enough customers', sql: check.sql, passed: true, detail: 'true' });
    expect(judgeCheck(check, { rows: [[false]], columns: 1 })).toMatchObject({ passed: false, detail: 'false' });
    expect(judgeCheck(check, { rows: [[null]], columns: 1 })).toMatchObject({ passed: false, detail: 'null' });
    expect(judgeCheck(check, { rows: [['t']], columns: 1 })).toMatchObject({ passed: false, detail: '"t" (not a boolean)' });
    expect(judgeCheck(check, { rows: [[1]], columns: 1 })).toMatchObject({ passed: false, detail: '1 (not a boolean)' });
    expect(judgeCheck(check, { rows: [], columns: 1 })).toMatchObject({ passed: false, detail: expect.stringMatching(/^0 rows/) });
    expect(judgeCheck(check, { rows: [[true], [true]], columns: 1 })).toMatchObject({ passed: false, detail: expect.stringMatching(/^2 rows/) });
    expect(judgeCheck(check, { rows: [[true, true]], columns: 2 })).toMatchObject({ passed: false, detail: expect.stringMatching(/^2 columns/) });
    expect(judgeCheck(check, { statements: 2 })).toMatchObject({ passed: false, detail: expect.stringMatching(/^2 statements/) });
  });

  it('names a check by its SQL when it has no name', () => {
    expect(checkName({ sql: '  select\n true ' })).toBe('select true');
    expect(checkName({ sql: `select ${'x'.repeat(100)}` })).toHaveLength(60);
  });

  it('describes failures with the SQL on one line', () => {
    const result = judgeCheck(check, { rows: [[false]], columns: 1 });
    expect(describeFailedCheck({ result, sqlError: false })).toBe('check "enough customers" returned false: select count(*) > 1000 from customers');
    const err = Object.assign(new Error('column "nope" does not exist'), { severity: 'ERROR' });
    const failed = { name: 'x', sql: 'select nope', passed: false, detail: describeSqlError(err) };
    expect(describeFailedCheck({ result: failed, sqlError: true })).toBe('check "x" failed with ERROR: column "nope" does not exist; SQL: select nope');
  });
});

describe('compareWithLive', () => {
  const key = (schema: string, name: string) => `${schema}\u0000${name}`;
  it('fails tables below the live estimate by more than the tolerance, and fills liveRows', () => {
    const live = new Map([
      [key('public', 'orders'), 10_000],
      [key('public', 'customers'), 3_100],
    ]);
    const { tables, short } = compareWithLive(
      [
        { schema: 'public', name: 'orders', rows: 5_000 },
        { schema: 'public', name: 'customers', rows: 3_000 }, // 3.2% fewer: within 5%
        { schema: 'public', name: 'gone_live', rows: 7 },
      ],
      live,
      0.05,
    );
    expect(tables.map((t) => t.liveRows)).toEqual([10_000, 3_100, null]);
    expect(short).toEqual([{ table: { schema: 'public', name: 'orders', rows: 5_000, liveRows: 10_000 }, restored: 5_000, live: 10_000 }]);
  });
});

describe('tableLabel', () => {
  it('quotes only names that need it', () => {
    expect(tableLabel({ schema: 'public', name: 'orders' })).toBe('public.orders');
    expect(tableLabel({ schema: 'my schema', name: 'Odd' })).toBe('"my schema"."Odd"');
  });
});
