// Every source at a glance, worst first: is each one backed up, recently, at a sane size, and restorable?
import { memo } from 'react';
import type { OverviewSource } from '../../shared/api';
import { visibleText } from '../../shared/visible-text';
import { formatBytes, formatDuration } from '../../shared/units';
import { recoveryPointShort } from '../../shared/recovery-words';
import { FailingChannelBanners } from '../components/alerts/FailingChannelBanners';
import { DatabaseCoverage } from '../components/DatabaseCoverage';
import { ErrorNotice } from '../components/ErrorNotice';
import { ExportEvidenceButton } from '../components/ExportEvidence';
import { PollNowButton } from '../components/PollNowButton';
import { Sparkline } from '../components/Sparkline';
import { StatusBadge } from '../components/StatusBadge';
import { StatusCounts } from '../components/StatusCounts';
import { navigate } from '../hooks/useHashRoute';
import { useNow } from '../hooks/useNow';
import { useOverview } from '../hooks/useOverview';
import { useRenderedMark } from '../hooks/useRenderTiming';
import { href } from '../routes';
import { ago, sourceKindWord, worstFinding } from '../words';

export function OverviewPage() {
  const overview = useOverview();
  const now = useNow();
  const { data } = overview;
  useRenderedMark('overview', data);

  return (
    <section className="page overview" aria-labelledby="overview-title">
      <header className="page-header">
        <h1 id="overview-title">Backups</h1>
        {data && <StatusCounts counts={data.counts} />}
        <PollNowButton onPolled={overview.refresh} />
        <ExportEvidenceButton covers="every source and database" />
      </header>
      <FailingChannelBanners />
      <DatabaseCoverage />
      {overview.error && <ErrorNotice message={overview.error} onRetry={overview.refresh} />}
      {!data && !overview.error && <p className="muted">Loading…</p>}
      {data && data.sources.length === 0 && <FirstRun configFile={data.configFile} />}
      {data && data.sources.length > 0 && (
        <table className="sources" data-testid="source-table">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Source</th>
              <th scope="col">What is wrong</th>
              <th scope="col">Newest backup</th>
              <th scope="col">Sizes</th>
              <th scope="col">Last successful restore</th>
            </tr>
          </thead>
          <tbody>
            {data.sources.map((source) => (
              <SourceRow key={source.id} source={source} now={now} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const SourceRow = memo(function SourceRow({ source, now }: { source: OverviewSource; now: number }) {
  const finding = worstFinding(source.findings);
  const backup = source.newestBackup;
  const holdsBackups = source.kind !== 'postgres';
  return (
    <tr className={`source-row row-${source.status}`} data-testid={`source-row-${source.id}`} data-status={source.status} onClick={() => navigate(href.source(source.id))}>
      <td>
        <StatusBadge status={source.status} testId={`status-${source.id}`} />
      </td>
      <th scope="row">
        <a href={href.source(source.id)} onClick={(e) => e.stopPropagation()}>
          {source.name}
        </a>
        <span className="kind">
          {sourceKindWord(source.kind, source.bucketUrl)}
          {source.host && ` on ${source.host}`}
        </span>
      </th>
      <td className="finding" data-testid={`finding-${source.id}`}>
        {finding ? visibleText(finding.message) : source.lastPollAt === null ? 'Not polled yet' : 'All checks pass'}
      </td>
      <td data-testid={`newest-${source.id}`}>
        {backup ? (
          <>
            <span className={backup.readable ? undefined : 'loud'}>{ago(backup.finishedAt, now)}</span>
            <span className="muted"> · {formatBytes(backup.sizeBytes)}</span>
          </>
        ) : holdsBackups ? (
          <span className="loud">no backups found</span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>{holdsBackups ? <Sparkline sizes={source.sizeTrend} /> : null}</td>
      <td data-testid={`restore-${source.id}`}>
        {source.lastRestore ? (
          <>
            {ago(source.lastRestore.at, now)}
            {source.lastRestore.restoreMs !== null && <span className="muted"> · took {formatDuration(source.lastRestore.restoreMs)}</span>}
            {source.lastRestore.recovery && <span data-testid={`recovery-${source.id}`}>, {recoveryPointShort(source.lastRestore.recovery)}</span>}
          </>
        ) : holdsBackups ? (
          <span className="loud">never test-restored</span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
});

function FirstRun({ configFile }: { configFile: string }) {
  return (
    <div className="first-run" data-testid="first-run">
      <h2>No sources yet</h2>
      <p>
        Backup Health watches PostgreSQL servers and the directories your pg_dump backups land in: it checks that the newest backup is fresh and
        the right size, and proves it restores by restoring it into a throwaway PostgreSQL.
      </p>
      <p>
        <a className="button" href={href.editSource()}>
          Add a source
        </a>{' '}
        in Settings, or list your sources under <code>sources:</code> in <code data-testid="config-file">{configFile}</code> and restart the app.
      </p>
    </div>
  );
}
