// The source's restore drills in the range as rows, newest first: when, outcome, restore time, which backup, what
// came of it; "Details" opens where the drill ran, with what tools, and the backup's SHA-256 (issue 17's evidence),
// which the chart's tooltip cannot hold still long enough to copy.
import { useState } from 'react';
import type { DrillPoint } from '../../shared/api';
import { formatDuration } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';
import { OUTCOME_WORD, dateTime } from '../words';
import { DrillProvenanceFacts } from './DrillProvenance';

/** Rows shown before "Show all": a year of daily drills is 365. */
export const DRILL_ROWS_SHOWN = 10;

export function DrillList({ drills }: { drills: readonly DrillPoint[] }) {
  const [all, setAll] = useState(false);
  if (drills.length === 0) return null;
  const newestFirst = [...drills].reverse();
  const shown = all ? newestFirst : newestFirst.slice(0, DRILL_ROWS_SHOWN);
  return (
    <section className="drill-list" aria-label="Restore drills in this range" data-testid="drill-list">
      <table className="drill-table">
        <thead>
          <tr>
            <th scope="col">Finished</th>
            <th scope="col">Outcome</th>
            <th scope="col">Restore time</th>
            <th scope="col">Backup</th>
            <th scope="col">What came of it</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((drill) => (
            <DrillRow key={drill.id} drill={drill} />
          ))}
        </tbody>
      </table>
      {shown.length < newestFirst.length && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {newestFirst.length} drills
        </button>
      )}
    </section>
  );
}

function DrillRow({ drill }: { drill: DrillPoint }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr data-testid="drill-row" data-id={drill.id} data-outcome={drill.outcome}>
        <td>{dateTime(drill.finishedAt)}</td>
        <td>
          <strong className={`outcome-${drill.outcome}`}>{OUTCOME_WORD[drill.outcome]}</strong>
        </td>
        <td>{drill.restoreMs !== null ? formatDuration(drill.restoreMs) : <span className="muted">stopped after {formatDuration(drill.durationMs)}</span>}</td>
        <td className="drill-key">
          <code>{visibleText(drill.backupKey)}</code>
        </td>
        <td className="finding">
          {visibleText(drill.message)}{' '}
          {drill.provenance && (
            <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={`Details of the drill of ${dateTime(drill.finishedAt)}`}>
              {open ? 'Hide details' : 'Details'}
            </button>
          )}
        </td>
      </tr>
      {open && (
        <tr className="drill-detail" data-testid="drill-detail">
          <td colSpan={5}>
            <DrillProvenanceFacts provenance={drill.provenance} />
          </td>
        </tr>
      )}
    </>
  );
}
