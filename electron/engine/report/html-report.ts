// The audit report as one self-contained HTML page (issue 17): no script, no external resource, inline SVG charts,
// print CSS that fits A4 and Letter alike. A summary table up front, then each database and each source: the policy
// in force at each time, the schedule kept and each missed window, every drill, every status change with when each
// failure was fixed. The PDF is
// printed from this page. Pure.
import { formatBytes, formatDuration } from '../../../shared/units';
import type { DatabaseEvidence, DrillEvidence, Evidence, FindingEvidence, PolicyPeriod, SourceEvidence, StatusChange } from './evidence-model';
import { escapeHtml as h } from './html-text';
import { svgChart, type ChartPoint } from './svg-chart';
import { toolWords } from '../../../shared/tool-words';

/** A time to the minute, never broken over two lines (a PDF's text keeps it whole). */
const when = (iso: string | null) => (iso === null ? '—' : `<span class="n">${iso.slice(0, 16).replace('T', ' ')}</span>`);
const ms = (value: number | null | undefined) => (value === null || value === undefined ? '—' : formatDuration(value));
const yesNo = (value: boolean | null) => (value === null ? '—' : value ? 'met' : '<strong class="bad">not met</strong>');
const at = (iso: string) => Date.parse(iso);

export function reportHtml(evidence: Evidence, opts: { paper?: 'A4' | 'Letter' } = {}): string {
  const from = at(evidence.period.from);
  const to = at(evidence.period.to);
  const title = `Restore evidence ${evidence.period.from.slice(0, 10)} to ${evidence.period.to.slice(0, 10)}`;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${h(title)}</title><style>${CSS}${opts.paper ? `@page{size:${opts.paper}}` : ''}</style></head><body>`,
    `<header><h1>${h(title)}</h1>`,
    `<p>Made ${when(evidence.generatedAt)} UTC by ${h(evidence.generator.app)} ${h(evidence.generator.version)} on ${h(evidence.generator.host)}. Times are UTC.`,
    ` Selection: ${h(selectionWords(evidence))}.</p>`,
    `<p class="key">Signing key <code>${h(evidence.signingKey)}</code>: the JSON form of this report carries the same evidence, signed with it; check it with <code>backup-health report verify FILE --key ${h(evidence.signingKey)}</code>.</p></header>`,
    summaryTable(evidence),
    ...evidence.databases.map((db) => databaseSection(db, evidence, from, to)),
    ...evidence.sources.map((source) => sourceSection(source, from, to)),
    `<section><h2>Notes</h2><ul>${evidence.notes.map((note) => `<li>${h(note)}</li>`).join('')}</ul>`,
    `<p class="key">Signing key <code>${h(evidence.signingKey)}</code></p></section>`,
    '</body></html>',
  ].join('\n');
}

function selectionWords(evidence: Evidence): string {
  const { sources, databases } = evidence.selection;
  if (!sources && !databases) return 'every source and database in the config';
  return [sources && `sources ${sources.join(', ')}`, databases && `databases ${databases.join(', ')}`].filter(Boolean).join('; ');
}

function summaryTable(evidence: Evidence): string {
  const rows = evidence.summary.map((row) => {
    const objectives = row.objectives ? `rpo ${ms(row.objectives.rpoMs)}, rto ${ms(row.objectives.rtoMs)}, drillAge ${ms(row.objectives.drillAgeMs)}` : 'none set';
    const last = row.lastProvenRestore;
    const lastWords = last ? `${when(last.at)} by ${h(last.sourceId)}: restore ${ms(last.restoreMs)}, recovery point ${ms(last.recoveryPointMs)}` : '<strong class="bad">never</strong>';
    return `<tr><td>${h(row.label)}</td><td class="${row.status}">${row.status}</td><td>${objectives}</td><td>${yesNo(row.objectivesMet)}</td><td>${lastWords}</td><td class="n">${row.drills.passed} passed, ${row.drills.failed} failed</td><td>${row.drills.missedWindows}</td></tr>${row.findings.length ? `<tr class="why"><td></td><td colspan="6">${row.findings.map(h).join('<br>')}</td></tr>` : ''}`;
  });
  return `<section><h2>Summary</h2>${table(['Database', 'Status', 'Objectives', 'Met', 'Last proven restore', 'Drills in period', 'Missed windows'], rows, 'No database is known in this selection.')}</section>`;
}

function databaseSection(db: DatabaseEvidence, evidence: Evidence, from: number, to: number): string {
  const marks = (value: (r: DatabaseEvidence['restores'][number]) => number | null): ChartPoint[] =>
    db.restores.flatMap((r) => (value(r) === null ? [] : [{ at: at(r.finishedAt), value: value(r)!, failed: r.outcome !== 'pass' }]));
  const objectives = evidence.summary.find((row) => row.key === db.key)?.objectives;
  const rows = db.restores.map((r) => `<tr><td>${when(r.finishedAt)}</td><td>${h(r.sourceId)}</td><td class="${r.outcome}">${r.outcome}</td><td>${ms(r.restoreMs)}</td><td>${ms(r.recoveryPointMs)}</td><td>${yesNo(r.rpoMet)}</td><td>${yesNo(r.rtoMet)}</td></tr>`);
  return [
    `<section class="subject"><h2>Database ${h(db.label)}</h2>`,
    `<p>Routines: ${db.routines.map(h).join(', ') || 'none'}${db.server ? `; server ${h(db.server)}` : ''}. Status at the period's start ${db.statusAtStart ?? 'not yet recorded'}.</p>`,
    db.policies.length ? policyTable(db.policies) : '<p>No recovery objectives set.</p>',
    `<h3>Restores, judged by the objectives of their time</h3>`,
    table(['Finished', 'Routine', 'Outcome', 'Restore time', 'Recovery point', 'RPO', 'RTO'], rows, 'No drill restored this database in the period.'),
    svgChart({ title: `Restore time of ${db.label}`, from, to, points: marks((r) => r.restoreMs), style: 'marks', format: formatDuration, ...(objectives?.rtoMs ? { limit: { value: objectives.rtoMs, label: `rto ${formatDuration(objectives.rtoMs)}` } } : {}) }),
    svgChart({ title: `Recovery point of ${db.label}`, from, to, points: marks((r) => r.recoveryPointMs), style: 'marks', format: formatDuration, ...(objectives?.rpoMs ? { limit: { value: objectives.rpoMs, label: `rpo ${formatDuration(objectives.rpoMs)}` } } : {}) }),
    findingsTable(db.findings),
    statusChangesTable(db.statusChanges),
    '</section>',
  ].join('\n');
}

function sourceSection(source: SourceEvidence, from: number, to: number): string {
  const maxAge = source.policies.at(-1)?.policy?.maxAge;
  return [
    `<section class="subject"><h2>Source ${h(source.name)} <span class="id">(${h(source.id)}, ${h(source.kind)})</span></h2>`,
    `<p>Status now ${source.status}; at the period's start ${source.statusAtStart ?? 'not yet judged'}.${source.databases.length ? ` Holds ${source.databases.map(h).join(', ')}.` : ''}</p>`,
    policyTable(source.policies),
    scheduleWords(source),
    source.kind === 'postgres' ? '' : svgChart({ title: `Backup age of ${source.name}`, from, to, points: source.backupAge.map((p) => ({ at: at(p.at), value: p.ageMs })), style: 'line', format: formatDuration, ...(typeof maxAge === 'number' ? { limit: { value: maxAge, label: `maxAge ${formatDuration(maxAge)}` } } : {}) }),
    `<h3>Restore drills (${source.drills.length})</h3>`,
    table(['Started, finished', 'Outcome', 'Backup', 'Restore', 'Recovery point', 'Restored', 'Checks', 'Message'], source.drills.map(drillRow), 'No drill in the period.'),
    findingsTable(source.findings),
    statusChangesTable(source.statusChanges),
    '</section>',
  ].join('\n');
}

function findingsTable(findings: readonly FindingEvidence[]): string {
  return [
    `<h3>Findings (${findings.length})</h3>`,
    table(
      ['Opened', 'Fixed', 'Worst', 'Finding'],
      findings.map((f) => `<tr><td>${when(f.openedAt)}</td><td>${f.fixedAt ? when(f.fixedAt) : 'not fixed'}</td><td class="${f.status}">${f.status}</td><td>${h(f.message)} <span class="id">(${h(f.rule)})</span></td></tr>`),
      'No finding below ok in the period.',
    ),
  ].join('\n');
}

function statusChangesTable(changes: readonly StatusChange[]): string {
  return [
    `<h3>Status changes (${changes.length})</h3>`,
    table(
      ['At', 'Change', 'Findings, and when each was fixed'],
      changes.map((c) => `<tr><td>${when(c.at)}</td><td>${c.from ?? '—'} → <span class="${c.to}">${c.to}</span></td><td>${c.findings.map((f) => `${h(f.message)} <em>(${f.fixedAt ? `fixed ${when(f.fixedAt)}` : 'not fixed by the end of the period'})</em>`).join('<br>')}</td></tr>`),
      'No status change in the period.',
    ),
  ].join('\n');
}

/** What was hashed, then the hash: the report's notes say how to compute each kind again. */
function sha256Words(backup: DrillEvidence['backup']): string {
  if (!backup.sha256) return backup.sha256Missing ? `SHA-256 ${h(backup.sha256Missing)}` : '';
  const of = backup.sha256Of === 'directory-manifest' ? ' (directory manifest)' : backup.sha256Of === 'backup-manifest' ? ` (of its ${h(backup.sha256File ?? 'manifest')})` : '';
  return `SHA-256${of} ${backup.sha256}`;
}

function scheduleWords(source: SourceEvidence): string {
  const schedule = source.schedule;
  if (!schedule) return '<p>No drill schedule (drill.every) was in force in the period.</p>';
  const rows = schedule.missed.map((w) => `<tr><td>${when(w.dueAt)}</td><td>${when(w.overdueAt)}</td><td>${w.open ? `still open at ${when(w.until)}` : when(w.until)}</td><td>every ${ms(w.everyMs)}, allowance ${ms(w.allowanceMs)}</td></tr>`);
  return `<h3>Schedule kept</h3><p>Drills expected ${schedule.expected}, done ${schedule.done}, missed windows ${schedule.missed.length}.</p>${schedule.missed.length ? table(['Missed window: due', 'Overdue from', 'Until the next drill', 'Policy then'], rows, '') : ''}`;
}

function drillRow(d: DrillEvidence): string {
  const backup = [h(d.backup.key), d.backup.finishedAt ? `finished ${when(d.backup.finishedAt)}` : 'not in the history', d.backup.sizeBytes === null ? '' : formatBytes(d.backup.sizeBytes), d.backup.pgDumpVersion ? `pg_dump ${h(d.backup.pgDumpVersion)}` : '', d.backup.serverVersion ? `server ${h(d.backup.serverVersion)}` : '', sha256Words(d.backup)]
    .filter(Boolean)
    .join('<br>');
  const restored = `${d.tables.toLocaleString('en-US')} tables, ${d.rows.toLocaleString('en-US')} rows${d.database ? ` of ${h(d.database)}` : ''}${d.restoredWith ? ` into PostgreSQL ${h(d.restoredWith)}` : ''}${d.sandboxed === null ? '' : d.sandboxed ? ', sandboxed' : ', not sandboxed'}${ranWith(d)}`;
  const checks = d.checks.map((c) => `${h(c.name)}: ${c.passed ? 'passed' : '<strong class="bad">failed</strong>'} (${h(c.detail)})`).join('<br>') || '—';
  const message = [h(d.message), ...d.warnings.map((w) => `<em>${h(w)}</em>`)].join('<br>');
  return `<tr><td>${when(d.startedAt)}<br>${when(d.finishedAt)}</td><td class="${d.outcome}">${d.outcome}</td><td class="key-cell">${backup}</td><td>${ms(d.restoreMs)}</td><td>${ms(d.recoveryPointMs)}</td><td>${restored}</td><td>${checks}</td><td>${message}</td></tr>`;
}

/** "<br>on db1 with pg_restore 15.18 (Debian …), server 15.18 (Debian …)" */
function ranWith(d: DrillEvidence): string {
  const tools = Object.entries(d.tools).map(([tool, version]) => h(toolWords(tool, version)));
  const server = d.scratchServer ? [`server ${h(d.scratchServer)}`] : [];
  const parts = [...tools, ...server];
  return d.host === null && parts.length === 0 ? '' : `<br>${d.host === null ? 'host not recorded' : `on ${h(d.host)}`}${parts.length ? ` with ${parts.join(', ')}` : ''}`;
}

function policyTable(periods: readonly PolicyPeriod[]): string {
  const rows = periods.map((p) => `<tr><td>${when(p.from)}</td><td>${p.to === null ? 'end of period' : when(p.to)}</td><td>${p.policy === null ? 'not in the config' : policyWords(p.policy)}${p.recorded ? '' : ' <em>(not recorded then: the earliest known policy)</em>'}</td></tr>`);
  return `<h3>Policy in force</h3>${table(['From', 'To', 'Policy'], rows, '')}`;
}

const DURATION_FIELDS = new Set(['interval', 'maxAge', 'maxFullAge', 'maxArchiveAge', 'maxReplicationLag', 'maxRecoveryPoint', 'maxWaitingForWals', 'every', 'timeout', 'rpo', 'rto', 'drillAge']);

/** "drill every 7d, drill maxAge 8d, maxAge 26h, ..." */
export function policyWords(policy: Record<string, unknown>, prefix = ''): string {
  return Object.entries(policy)
    .filter(([key]) => key !== 'kind')
    .map(([key, value]) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return policyWords(value as Record<string, unknown>, `${prefix}${key} `);
      const text = Array.isArray(value) ? value.map(String).join(', ') || 'none' : typeof value === 'number' && DURATION_FIELDS.has(key) ? formatDuration(value) : key === 'minSize' ? formatBytes(Number(value)) : String(value);
      return `${h(prefix + key)} ${h(text)}`;
    })
    .join(', ');
}

function table(head: readonly string[], rows: readonly string[], empty: string): string {
  if (rows.length === 0) return empty ? `<p>${h(empty)}</p>` : '';
  return `<table><thead><tr>${head.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
body{font:10pt/1.35 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#111;margin:24px;max-width:1100px}
h1{font-size:17pt;margin:0 0 6px}h2{font-size:13pt;margin:22px 0 6px;border-bottom:1px solid #999}h3{font-size:10.5pt;margin:12px 0 4px}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}th,td{border:1px solid #bbb;padding:3px 5px;text-align:left;vertical-align:top}
th{background:#eee}thead{display:table-header-group}tr{break-inside:avoid}
td.n,.n{white-space:nowrap}td.key-cell{word-break:break-all;max-width:260px}.id{font-weight:normal;color:#555}.key{color:#333}code{font-size:9pt}
.pass,.ok{color:#0a6b2b}.fail,.error,.critical,.bad{color:#b00020}.warning{color:#8a5a00}.unknown{color:#555}
tr.why td{border-top:none;color:#444;font-size:9pt}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0}.chart-title{font-size:11px;font-weight:600}
.axis{font-size:9px;fill:#444}.grid{stroke:#ddd}.series{fill:none;stroke:#1f5fa8;stroke-width:1.2}
.mark{fill:#1f5fa8}.mark.failed{fill:#fff;stroke:#b00020;stroke-width:1.5}.limit{stroke:#b00020;stroke-dasharray:4 3}.limit-label{font-size:9px;fill:#b00020}
@page{margin:12mm}
@media print{body{margin:0;max-width:none;font-size:8.5pt}h2,h3{break-after:avoid}svg.chart{break-inside:avoid}a{color:inherit}}
`;
