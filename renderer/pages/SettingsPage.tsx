// The sources in the config file, with Edit and Remove; adding one starts here. Below them, the recovery objectives
// per database and the alert channels.
import { useBridge } from '../api/BridgeContext';
import { ErrorNotice } from '../components/ErrorNotice';
import { AlertChannelsSection } from '../components/alerts/AlertChannelsSection';
import { FileOnlyDefaults } from '../components/settings/FileOnlyDefaults';
import { ConfirmedRemove } from '../components/settings/ConfirmedRemove';
import { ObjectivesSection } from '../components/settings/ObjectivesSection';
import { navigate } from '../hooks/useHashRoute';
import { useSettings } from '../hooks/useSettings';
import { href } from '../routes';
import { sourceKindWord } from '../words';
import { isSourceKind } from '../../shared/source-kinds';

export function SettingsPage({ saved, removed, channel }: { saved?: string; removed?: string; channel?: string }) {
  const settings = useSettings();
  const data = settings.data;
  return (
    <section className="page settings" aria-labelledby="settings-title">
      <header className="page-header">
        <h1 id="settings-title">Sources</h1>
        <span className="spacer" />
        <a className="button primary" href={href.editSource()}>
          Add source
        </a>
      </header>
      {saved && (
        <p className="notice" role="status" data-testid="saved-notice">
          Saved {saved}.
        </p>
      )}
      {removed && (
        <p className="notice" role="status" data-testid="removed-notice">
          Removed {removed}.
        </p>
      )}
      {settings.error && <ErrorNotice message={settings.error} onRetry={settings.refresh} />}
      {!data && !settings.error && <p className="muted">Loading…</p>}
      {data && (
        <>
          <p className="muted">
            Stored in <code data-testid="config-file">{data.configFile}</code>. Edits here keep the file's comments.
          </p>
          {data.sources.length === 0 ? (
            <p data-testid="no-sources">No sources yet. Add a PostgreSQL server, or a directory your pg_dump backups are written to.</p>
          ) : (
            <ul className="settings-sources">
              {data.sources.map((source) => (
                <SourceItem key={String(source.id)} source={source} onRemoved={settings.refresh} />
              ))}
            </ul>
          )}
          <FileOnlyDefaults defaults={data.defaults} configFile={data.configFile} />
          <ObjectivesSection />
          <AlertChannelsSection configFile={data.configFile} focusChannel={channel} />
        </>
      )}
    </section>
  );
}

function SourceItem({ source, onRemoved }: { source: Record<string, unknown>; onRemoved: () => void }) {
  const bridge = useBridge();
  const id = String(source.id);
  const removed = () => {
    onRemoved();
    navigate(href.settings({ removed: id }));
  };

  return (
    <li data-testid={`settings-source-${id}`}>
      <span className="settings-source-name">
        <strong>{typeof source.name === 'string' ? source.name : id}</strong>
        {typeof source.name === 'string' && source.name !== id && <span className="muted"> {id}</span>}{' '}
        <span className="kind">{isSourceKind(source.kind) ? sourceKindWord(source.kind, typeof source.url === 'string' ? source.url : null) : String(source.kind)}</span>
      </span>
      <span className="actions">
        <a className="button" href={href.editSource(id)} aria-label={`Edit ${id}`}>
          Edit
        </a>
        <ConfirmedRemove subject={id} stays="Its history stays." remove={() => bridge.removeSource({ id })} onRemoved={removed} />
      </span>
    </li>
  );
}
