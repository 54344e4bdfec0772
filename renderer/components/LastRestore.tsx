import type { RecoveryReached, SourceSummary } from '../../shared/model';
import { recoveryPointShort } from '../../shared/recovery-words';
import { visibleText } from '../../shared/visible-text';
import { formatDuration } from '../../shared/units';
import { ago, dateTime } from '../words';

/** The one fact that makes a backup real: when it last came back as a working database. */
export function LastRestore({ lastRestore, now }: { lastRestore: SourceSummary['lastRestore']; now: number }) {
  if (!lastRestore) {
    return (
      <p className="last-restore loud" data-testid="last-restore">
        Never restored successfully: until a drill passes, nothing proves these backups can be restored.
      </p>
    );
  }
  return (
    <>
      <p className="last-restore" data-testid="last-restore">
        Last successful restore{' '}
        <strong title={dateTime(lastRestore.at)}>{ago(lastRestore.at, now)}</strong> ({dateTime(lastRestore.at)})
        {lastRestore.restoreMs !== null && (
          <>
            , took <strong>{formatDuration(lastRestore.restoreMs)}</strong>
          </>
        )}
        , from <code>{visibleText(lastRestore.backupKey)}</code>
        {lastRestore.recovery && <RecoveryReachedWords recovery={lastRestore.recovery} />}.
        {lastRestore.sandboxed === false && (
          <span className="loud" data-testid="unsandboxed">
            {' '}
            It ran without an OS sandbox: install bubblewrap so a hostile backup cannot reach this machine.
          </span>
        )}
      </p>
      <DrillWarnings warnings={lastRestore.warnings} testId="last-restore-warnings" />
    </>
  );
}

/** What a passing drill found doubtful (every table empty, tables the live database has): one item each. */
export function DrillWarnings({ warnings, testId }: { warnings: readonly string[] | undefined; testId: string }) {
  if (!warnings?.length) return null;
  return (
    <ul className="drill-warnings" data-testid={testId} aria-label="Restore drill warnings">
      {warnings.map((warning, i) => (
        <li key={i}>Warning: {visibleText(warning)}</li>
      ))}
    </ul>
  );
}

/** ", restored to 3m 12s behind (restorable up to …)": the recovery point a drill that replayed WAL reached. */
export function RecoveryReachedWords({ recovery }: { recovery: RecoveryReached }) {
  return (
    <span data-testid="recovery-reached">
      , restored <strong>{recoveryPointShort(recovery)}</strong>
      {recovery.recoveredTo !== null && ` (restorable up to ${dateTime(recovery.recoveredTo)})`}
    </span>
  );
}
