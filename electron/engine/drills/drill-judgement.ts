// What a restored backup should have held, judged against what came back: a restore that ran cleanly can still
// be worthless (a schema-only dump, the wrong database, an empty one). Pure functions; the drills gather the
// facts (TOC, counts, the live database's tables) and apply the verdicts.
//
//   fail     the archive lists tables and carries no data for any of them (pg_dump -s); nothing at all was
//            restored; the restored database is not the one the source expects; fewer tables or rows than
//            drill.minTables / drill.minRows
//   warn     every table empty (without drill.minRows); a database name other than the previous passing
//            drill's; tables the live database has that the backup lacks; a table whose exact restored count
//            is far below the live estimate
import type { RestoredTable } from '../../../shared/model';
import { countOf } from '../../../shared/units';
import type { TocEntry } from '../pg-dump/toc';
import { tableLabel } from './verify';

/** What the restored database should be and hold, from the source's config and its earlier drills. */
export interface DrillExpectations {
  /** The database the backup must hold, and where that expectation comes from ("its dbname"). */
  database?: { name: string; from: string };
  /** drill.minRows: fewer rows (all tables together) fail. */
  minRows?: number;
  /** drill.minTables: fewer tables fail. */
  minTables?: number;
  /** The database the last passing drill of this source restored. */
  previousDatabase?: string;
}

/** A live table holding at least this many rows (estimated) is judged against the backup's exact count. */
export const FAR_BELOW_MIN_LIVE_ROWS = 1000;
/** A restored count below this share of the live estimate is "far below" (growth since the backup is fine). */
export const FAR_BELOW_SHARE = 0.5;
/** Tables named in one warning before "and N more". */
const NAMED = 5;

/** TABLE DATA items of an archive's table of contents. */
export function tableDataItems(entries: readonly TocEntry[]): number {
  return entries.filter((e) => e.desc === 'TABLE DATA').length;
}

/**
 * A schema-only backup (pg_dump -s, or every table's data excluded): tables, and no data for any of them.
 * `dataItems`: TABLE DATA entries of an archive; COPY/INSERT blocks of a plain script.
 */
export function schemaOnlyProblem(form: 'archive' | 'script', tables: number, dataItems: number): string | null {
  if (tables === 0 || dataItems > 0) return null;
  return form === 'archive'
    ? `schema-only backup: the archive lists ${countOf(tables, 'table')} and no table data (pg_dump -s?); the backup job must dump the data too`
    : `schema-only backup: the script creates ${countOf(tables, 'table')} and loads no data into any (no COPY or INSERT; pg_dump -s?); the backup job must dump the data too`;
}

export interface RestoreJudgement {
  failures: string[];
  warnings: string[];
}

/**
 * The restored database against what the source expects. `restored`: the database's name as the backup
 * named it (null: a plain dump that does not say, so its name is not judged).
 */
export function judgeRestoredDatabase(sourceId: string, restored: string | null, tables: readonly RestoredTable[], expect: DrillExpectations): RestoreJudgement {
  const failures: string[] = [];
  const warnings: string[] = [];
  const rows = tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
  const expected = expect.database;
  if (expected && restored !== null && restored !== expected.name) {
    failures.push(`restored database ${restored}, but source ${sourceId} expects database ${expected.name} (${expected.from}) — is the backup job dumping the wrong database?`);
  }
  if (tables.length === 0 && rows === 0) {
    failures.push(`the backup restored nothing: no tables and no rows${restored !== null ? ` in database ${restored}` : ''} — is the backup job dumping an empty or the wrong database?`);
  } else {
    if (expect.minTables !== undefined && tables.length < expect.minTables) {
      failures.push(`restored ${countOf(tables.length, 'table')}, fewer than drill.minTables ${expect.minTables} — is the backup job dumping the wrong database, or leaving tables out (-t, -T, -n)?`);
    }
    if (expect.minRows !== undefined && rows < expect.minRows) {
      failures.push(`restored ${countOf(rows, 'row')} in ${countOf(tables.length, 'table')}, fewer than drill.minRows ${expect.minRows.toLocaleString('en-US')} — is the backup job dumping an emptied or the wrong database?`);
    } else if (expect.minRows === undefined && rows === 0) {
      warnings.push(`every table is empty (${countOf(tables.length, 'table')}, 0 rows): a new database, or a backup of an emptied one? Set drill.minRows to make this a failure`);
    }
  }
  if (!expected && restored !== null && expect.previousDatabase !== undefined && restored !== expect.previousDatabase) {
    warnings.push(`restored database ${restored}, where the previous passing drill of ${sourceId} restored ${expect.previousDatabase}: renamed, or is the backup job dumping another database? Set dbname on the source to make a wrong one a failure`);
  }
  return { failures, warnings };
}

const tableKey = (t: { schema: string; name: string }) => `${t.schema}\u0000${t.name}`;

/**
 * Warnings from the live database (its tables, each with n_live_tup): tables it has that the backup lacks,
 * and, unless `shortAlreadyJudged` (compareTo fails them at its tolerance), tables whose exact restored count
 * is far below the live estimate. `where`: "the live database orders on orders-db".
 */
export function judgeAgainstLive(tables: readonly RestoredTable[], live: ReadonlyMap<string, { schema: string; name: string; rows: number }>, where: string, shortAlreadyJudged: boolean): string[] {
  const warnings: string[] = [];
  const inBackup = new Set(tables.map(tableKey));
  const lacking = [...live.values()].filter((t) => !inBackup.has(tableKey(t))).sort((a, b) => b.rows - a.rows || tableLabel(a).localeCompare(tableLabel(b)));
  if (lacking.length > 0) {
    const names = lacking.slice(0, NAMED).map((t) => `${tableLabel(t)} (about ${countOf(t.rows, 'row')})`);
    const more = lacking.length > NAMED ? ` and ${lacking.length - NAMED} more` : '';
    warnings.push(
      lacking.length === 1
        ? `${names[0]} is in ${where} but not in the backup: made since the backup, or left out by the backup job?`
        : `${lacking.length} tables are in ${where} but not in the backup: ${names.join(', ')}${more}; made since the backup, or left out by the backup job?`,
    );
  }
  if (shortAlreadyJudged) return warnings;
  const far = tables
    .map((t) => ({ table: t, live: live.get(tableKey(t))?.rows }))
    .filter((c): c is { table: RestoredTable; live: number } => c.live !== undefined && c.table.rows !== null && c.live >= FAR_BELOW_MIN_LIVE_ROWS && c.table.rows < c.live * FAR_BELOW_SHARE)
    .sort((a, b) => b.live - b.table.rows! - (a.live - a.table.rows!));
  for (const { table, live: liveRows } of far.slice(0, NAMED)) {
    const fewer = Math.round((1 - table.rows! / liveRows) * 100);
    warnings.push(`${tableLabel(table)} has ${countOf(table.rows!, 'row')} in the backup but about ${liveRows.toLocaleString('en-US')} in ${where} (${fewer}% fewer): an old backup, or one taken while the table was being reloaded?`);
  }
  if (far.length > NAMED) warnings.push(`${far.length - NAMED} more tables have far fewer rows in the backup than in ${where}`);
  return warnings;
}
