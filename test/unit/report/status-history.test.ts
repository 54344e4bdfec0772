// When each failure was fixed (issue 17 item 2): a finding fixed while another keeps the source critical changes no
// status, yet the report gives its own fix time, from its finding span; history recorded before spans were falls back
// to the next status change without it. A database's status changes show in its section, as a source's do.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { buildEvidence } from '../../../electron/engine/report/build-evidence';
import { reportHtml } from '../../../electron/engine/report/html-report';
import type { History } from '../../../electron/engine/store/history';
import type { Finding } from '../../../shared/model';
import { DAY, HOUR, T0, openHistory } from '../store/temp-history';
import { auditedConfig, parse } from './audit-fixtures';

const NOW = T0 + 120 * DAY;
const FROM = NOW - 90 * DAY;
const day = (n: number, hours = 0) => FROM + n * DAY + hours * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

const stale: Finding = { rule: 'backup-age', status: 'critical', message: 'the newest dump is 2d 3h old (maxAge 1d 2h)', observed: null, limit: null };
const failedDrill: Finding = { rule: 'restore-drill', status: 'critical', message: 'the last restore drill failed: check "recent orders" returned false', observed: null, limit: null };

function evidenceOf(history: History) {
  const config = parse(auditedConfig());
  const engine = new Engine({ config, store: history, now: () => NOW });
  return buildEvidence({ from: FROM, to: NOW, now: NOW, config, store: history, databases: engine.databases(), summaries: engine.summaries(), selection: { sources: [], databases: [] }, generator: { app: 'Backup Health', version: '1.0.0', host: 'audit-host' }, signingKey: 'SHA256:test' });
}

/** The dumps go stale on day 10 while a drill fails; the dumps are fresh again on day 12, the drill passes on day 15. */
function twoFailures(history: History): void {
  const judged = (at: number, status: 'ok' | 'critical', findings: Finding[]) => history.recordStatus({ sourceId: 'orders-dumps', at, polledAt: null, status, findings });
  judged(day(10), 'critical', [stale, failedDrill]);
  // backup-age is fixed while restore-drill keeps the source critical: no status change.
  expect(judged(day(12, 3), 'critical', [failedDrill])).toBeNull();
  judged(day(15, 4), 'ok', []);
}

describe('when each failure was fixed', () => {
  it("is its finding's own fix, while another finding kept the source critical", () => {
    const { history } = openHistory();
    twoFailures(history);
    const dumps = evidenceOf(history).sources.find((s) => s.id === 'orders-dumps')!;
    expect(dumps.statusChanges).toEqual([
      {
        at: iso(day(10)),
        from: null,
        to: 'critical',
        findings: [
          { rule: 'backup-age', status: 'critical', message: stale.message, fixedAt: iso(day(12, 3)) },
          { rule: 'restore-drill', status: 'critical', message: failedDrill.message, fixedAt: iso(day(15, 4)) },
        ],
      },
      { at: iso(day(15, 4)), from: 'critical', to: 'ok', findings: [] },
    ]);
    expect(dumps.findings.map((f) => [f.rule, f.openedAt, f.fixedAt])).toEqual([
      ['backup-age', iso(day(10)), iso(day(12, 3))],
      ['restore-drill', iso(day(10)), iso(day(15, 4))],
    ]);
  });

  it('is the next status change without it, for history recorded before finding spans were', () => {
    const { history, file } = openHistory();
    twoFailures(history);
    // What a history from an older version holds: the status changes, no spans.
    const db = new Database(file);
    db.exec('DELETE FROM finding_spans');
    db.close();
    const dumps = evidenceOf(history).sources.find((s) => s.id === 'orders-dumps')!;
    expect(dumps.statusChanges[0]!.findings.map((f) => [f.rule, f.fixedAt])).toEqual([
      ['backup-age', iso(day(15, 4))],
      ['restore-drill', iso(day(15, 4))],
    ]);
  });
});

describe("a database's status changes", () => {
  it('are in its evidence and its section of the HTML, each failure with when it was fixed', () => {
    const { history } = openHistory();
    const routineDown = { rule: 'routine:orders-dumps', status: 'critical' as const, message: `orders-dumps: ${failedDrill.message}` };
    const missed = { rule: 'database-objectives', status: 'critical' as const, message: 'orders on orders-db misses its recovery objectives: no drill within drillAge 8d proved rto 1h' };
    const database = (at: number, status: 'ok' | 'critical', findings: (typeof routineDown)[]) => history.recordDatabaseStatuses([{ key: 'orders-db/orders', at, status, findings, sources: [] }]);
    database(FROM - 5 * DAY, 'ok', []);
    database(day(49, 4), 'critical', [routineDown]);
    database(day(50), 'critical', [routineDown, missed]);
    database(day(56, 4), 'critical', [missed]);
    database(day(57), 'ok', []);
    const evidence = evidenceOf(history);
    const orders = evidence.databases.find((d) => d.key === 'orders-db/orders')!;
    expect(orders.statusAtStart).toBe('ok');
    expect(orders.statusChanges).toEqual([
      { at: iso(day(49, 4)), from: 'ok', to: 'critical', findings: [{ ...routineDown, fixedAt: iso(day(56, 4)) }] },
      { at: iso(day(57)), from: 'critical', to: 'ok', findings: [] },
    ]);
    // The objectives missed from day 50 changed no status (the routine kept the database critical): a finding all the same.
    expect(orders.findings).toEqual([
      { ...routineDown, openedAt: iso(day(49, 4)), fixedAt: iso(day(56, 4)) },
      { ...missed, openedAt: iso(day(50)), fixedAt: iso(day(57)) },
    ]);

    const html = reportHtml(evidence);
    const section = html.slice(html.indexOf('<h2>Database orders on orders-db</h2>'), html.indexOf('<h2>Source '));
    expect(section).toContain("Status at the period's start ok.");
    expect(section).toContain('<h3>Status changes (2)</h3>');
    expect(section).toContain('<h3>Findings (2)</h3>');
    expect(section).toContain(`<td><span class="n">${iso(day(50)).slice(0, 16).replace('T', ' ')}</span></td><td><span class="n">${iso(day(57)).slice(0, 16).replace('T', ' ')}</span></td><td class="critical">critical</td><td>${missed.message} <span class="id">(database-objectives)</span></td>`);
    const minute = (ms: number) => iso(ms).slice(0, 16).replace('T', ' ');
    expect(section).toContain(`orders-dumps: the last restore drill failed: check &quot;recent orders&quot; returned false <em>(fixed <span class="n">${minute(day(56, 4))}</span>)</em>`);
    expect(section).toContain(`<td><span class="n">${minute(day(57))}</span></td><td>critical → <span class="ok">ok</span></td>`);
  });
});
