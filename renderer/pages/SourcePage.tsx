// One source over time: how old its backups got, how big each one was, what it stores, whether they restored;
// for kinds that keep WAL, the archive's recoverable window and the recovery point each drill reached.
import type { RangeId } from '../../shared/api';
import { formatBytes } from '../../shared/units';
import { BackupAgeChart } from '../charts/BackupAgeChart';
import { BackupSizeChart } from '../charts/BackupSizeChart';
import { RecoverableWindowChart } from '../charts/RecoverableWindowChart';
import { RecoveryPointChart, hasRecoveryDrills } from '../charts/RecoveryPointChart';
import { RestoreDrillChart } from '../charts/RestoreDrillChart';
import { StoredSizeChart } from '../charts/StoredSizeChart';
import { DrillList } from '../components/DrillList';
import { ErrorNotice } from '../components/ErrorNotice';
import { EventTimeline } from '../components/EventTimeline';
import { ExportEvidenceButton } from '../components/ExportEvidence';
import { FindingList } from '../components/FindingList';
import { LastRestore } from '../components/LastRestore';
import { PollNowButton } from '../components/PollNowButton';
import { RangeSelector } from '../components/RangeSelector';
import { RestoreDrillPanel } from '../components/RestoreDrillPanel';
import { StatusBadge } from '../components/StatusBadge';
import { WalArchiveFacts } from '../components/WalArchiveFacts';
import { useNow } from '../hooks/useNow';
import { useSource } from '../hooks/useSource';
import { useRenderedMark } from '../hooks/useRenderTiming';
import { href } from '../routes';
import { ago, sourceKindWord } from '../words';

/** `range` comes from the address (#/source/<id>?range=7d), so a reload or a shared link keeps it. */
export function SourcePage({ id, range = '30d' }: { id: string; range?: RangeId }) {
  const setRange = (next: RangeId) => {
    window.location.hash = href.source(id, next);
  };
  const source = useSource(id, range);
  const now = useNow();
  const detail = source.data;
  useRenderedMark('source', detail);

  if (!detail) {
    return (
      <section className="page source-page">
        <a href={href.overview()}>← All sources</a>
        {source.error ? <ErrorNotice message={source.error} onRetry={source.refresh} /> : <p className="muted">Loading…</p>}
      </section>
    );
  }

  const { summary } = detail;
  const holdsBackups = detail.maxAgeMs !== null || detail.ageSeries.length > 0 || detail.backups.length > 0;
  return (
    <section className="page source-page" aria-labelledby="source-title" data-testid="source-page" aria-busy={source.loading}>
      <a href={href.overview()}>← All sources</a>
      <header className="page-header">
        <h1 id="source-title">{summary.name}</h1>
        <StatusBadge status={summary.status} testId={`status-${summary.id}`} />
        <span className="kind">
          {sourceKindWord(summary.kind, summary.bucketUrl)}
          {summary.host && ` on ${summary.host}`}
          {summary.bucketUrl && `: ${summary.bucketUrl}`}
        </span>
        <span className="spacer" />
        <PollNowButton sourceId={summary.id} onPolled={source.refresh} />
        <ExportEvidenceButton selection={{ sources: [summary.id] }} covers={`the source ${summary.name}`} />
        <a className="button" href={href.editSource(summary.id)}>
          Edit
        </a>
      </header>
      {source.error && <ErrorNotice message={source.error} onRetry={source.refresh} />}
      <p className="muted" data-testid="source-facts">
        {summary.lastPollAt === null ? 'Not polled yet.' : `Polled ${ago(summary.lastPollAt, now)}.`}
        {summary.newestBackup &&
          ` Newest backup ${ago(summary.newestBackup.finishedAt, now)}, ${formatBytes(summary.newestBackup.sizeBytes)}${summary.newestBackup.readable ? '' : ', unreadable'}.`}
      </p>

      <section aria-labelledby="findings-title">
        <h2 id="findings-title">Findings</h2>
        <FindingList findings={detail.findings} />
      </section>

      <div className="range-bar">
        <h2>History</h2>
        <RangeSelector range={range} onChange={setRange} />
      </div>

      {holdsBackups && (
        <>
          <BackupAgeChart series={detail.ageSeries} maxAgeMs={detail.maxAgeMs} from={detail.from} to={detail.to} range={detail.range} />
          <BackupSizeChart backups={detail.backups} range={detail.range} />
        </>
      )}
      {detail.storedSeries.length > 0 && (
        <StoredSizeChart series={detail.storedSeries} label={detail.storedLabel} from={detail.from} to={detail.to} range={detail.range} />
      )}
      {(detail.walArchive !== null || detail.walWindows.length > 0) && (
        <section className="wal" aria-label="WAL archive">
          <WalArchiveFacts wal={detail.walArchive} now={now} />
          <RecoverableWindowChart points={detail.walWindows} from={detail.from} to={detail.to} range={detail.range} />
        </section>
      )}

      {(detail.drillable || detail.drills.length > 0) && (
        <section className="drills" aria-labelledby="drills-title">
          <h2 id="drills-title">Restore drills</h2>
          <LastRestore lastRestore={summary.lastRestore} now={now} />
          {detail.drillable && <RestoreDrillPanel key={summary.id} sourceId={summary.id} onFinished={source.refresh} />}
          {hasRecoveryDrills(detail.drills) && (
            <RecoveryPointChart drills={detail.drills} maxRecoveryPointMs={detail.maxRecoveryPointMs} from={detail.from} to={detail.to} range={detail.range} />
          )}
          <RestoreDrillChart drills={detail.drills} range={detail.range} />
          <DrillList drills={detail.drills} />
        </section>
      )}

      <EventTimeline events={detail.events} now={now} />
    </section>
  );
}
