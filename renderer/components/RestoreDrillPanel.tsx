import type { Drill, DrillProgress } from '../../shared/model';
import { visibleText } from '../../shared/visible-text';
import { formatDuration, progressCount } from '../../shared/units';
import { useRestoreDrill } from '../hooks/useRestoreDrill';
import { OUTCOME_WORD, PHASE_WORD } from '../words';
import { DrillProvenanceFacts } from './DrillProvenance';
import { DrillWarnings } from './LastRestore';

/** "Run restore drill", its live progress, then what came of it. */
export function RestoreDrillPanel({ sourceId, onFinished }: { sourceId: string; onFinished: () => void }) {
  const drill = useRestoreDrill(sourceId, onFinished);
  return (
    <div className="drill-panel">
      <button type="button" className="primary" onClick={drill.start} disabled={drill.running}>
        Run restore drill
      </button>
      {drill.running && <ProgressBar progress={drill.progress} />}
      {drill.error && (
        <p className="drill-result outcome-error" role="alert" data-testid="drill-result" data-outcome="unavailable">
          The drill could not be started: {drill.error}
        </p>
      )}
      {drill.result && <DrillResult drill={drill.result} />}
    </div>
  );
}

function ProgressBar({ progress }: { progress: DrillProgress | null }) {
  const phase = progress ? PHASE_WORD[progress.phase] : 'Starting';
  const counted = progress !== null && progress.total > 0;
  return (
    <div className="drill-progress" data-testid="drill-progress" data-phase={progress?.phase ?? 'starting'} role="status">
      <progress aria-label="Restore drill progress" max={counted ? progress.total : undefined} value={counted ? progress.done : undefined} />
      <span>
        {phase}
        {counted && ` — ${progressCount(progress)}`}
        {progress?.detail && <span className="muted"> ({visibleText(progress.detail)})</span>}
      </span>
    </div>
  );
}

function DrillResult({ drill }: { drill: Drill }) {
  const warned = drill.outcome === 'pass' && (drill.warnings?.length ?? 0) > 0;
  return (
    <div className={`drill-result outcome-${drill.outcome}${warned ? ' with-warnings' : ''}`} data-testid="drill-result" data-outcome={drill.outcome} role="status">
      <strong>{OUTCOME_WORD[drill.outcome]}</strong>
      {warned && ' with warnings'}
      {drill.restoreMs !== null && drill.outcome === 'pass' && ` — restored and verified in ${formatDuration(drill.restoreMs)}`}: {visibleText(drill.message)}
      <DrillWarnings warnings={drill.warnings} testId="drill-warnings" />
      <DrillProvenanceFacts provenance={drill.provenance} />
    </div>
  );
}
