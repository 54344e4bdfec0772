// Settings: the alert channels as the config file has them, each with its last delivery, a "Send a test alert"
// button, Edit and Remove; "Add alert channel" opens an empty form. What names a program or a password file is
// shown but set in the config file only (the serve token must never buy a shell).
import { useEffect, useState, type ReactNode } from 'react';
import type { AlertChannelView, AlertTestResult } from '../../../shared/api';
import { visibleText } from '../../../shared/visible-text';
import { formatDuration } from '../../../shared/units';
import { useBridge } from '../../api/BridgeContext';
import { errorMessage } from '../../api/error-message';
import { useAlertChannels } from '../../hooks/useAlertChannels';
import { NEW_ENTRY, useListEditing } from '../../hooks/useListEditing';
import { useLiveQuery } from '../../hooks/useLiveQuery';
import { useNow } from '../../hooks/useNow';
import { ErrorNotice } from '../ErrorNotice';
import { ConfirmedRemove } from '../settings/ConfirmedRemove';
import { CHANNEL_KIND_WORD, deliveryReply, deliveryWords, filterWords } from './alert-words';
import { ChannelEditor } from './ChannelEditor';

export function alertChannelElementId(id: string): string {
  return `alert-channel-${id}`;
}

export function AlertChannelsSection({ configFile, focusChannel }: { configFile: string; focusChannel?: string }) {
  const query = useAlertChannels();
  const editable = useLiveQuery((bridge) => bridge.alertChannelSettings(), 'alert-channel-settings', (event) => event.type === 'config');
  const now = useNow();
  const data = query.data;
  const { editing, setEditing, notice, done: closeForm } = useListEditing(() => {
    query.refresh();
    editable.refresh();
  });
  const done = (saved: string | null, what = 'Saved') => closeForm(saved && `${what} alert channel ${saved}.`);
  const editor = (id: string) =>
    editable.data && editing === id ? (
      <ChannelEditor key={id} settings={editable.data} channel={id === NEW_ENTRY ? null : (editable.data.channels.find((c) => c.id === id) ?? null)} onDone={(saved) => done(saved)} />
    ) : null;

  useEffect(() => {
    if (!focusChannel || !data) return;
    document.getElementById(alertChannelElementId(focusChannel))?.scrollIntoView?.({ block: 'center' });
  }, [focusChannel, data]);

  return (
    <section className="alert-channels" aria-labelledby="alert-channels-title" data-testid="alert-channels">
      <header className="page-header">
        <h2 id="alert-channels-title">Alert channels</h2>
        <span className="spacer" />
        {editable.data && (
          <button type="button" className="primary" onClick={() => setEditing(NEW_ENTRY)} disabled={editing === NEW_ENTRY}>
            Add alert channel
          </button>
        )}
      </header>
      <p className="muted" data-testid="alert-channels-hint">
        Saved to the config file (<code>{configFile}</code>, under <code>alerts:</code>), keeping its comments. A command channel, a passwordFile and the names of
        environment variables are set in the file only.
      </p>
      {notice && (
        <p className="notice" role="status" data-testid="alert-channel-notice">
          {notice}
        </p>
      )}
      {editable.error && <ErrorNotice message={editable.error} onRetry={editable.refresh} />}
      {editor(NEW_ENTRY)}
      {query.error && <ErrorNotice message={query.error} onRetry={query.refresh} />}
      {!data && !query.error && <p className="muted">Loading…</p>}
      {data && !data.sending && <p data-testid="alerts-not-sent">{data.reason ?? 'This process sends no alerts.'}</p>}
      {data?.sending && (
        <>
          {data.sender && (
            <p className="muted" data-testid="alert-sender">
              {visibleText(data.sender)}
            </p>
          )}
          {data.channels.length === 0 ? (
            <p data-testid="no-alert-channels">No alert channels yet: add one here, or under alerts.channels in the config file.</p>
          ) : (
            <ul className="settings-sources alert-channel-list">
              {data.channels.map((channel) => (
                <ChannelItem
                  key={channel.id}
                  channel={channel}
                  now={now}
                  focused={channel.id === focusChannel}
                  editable={editable.data?.channels.some((c) => c.id === channel.id) ?? false}
                  onEdit={() => setEditing(channel.id)}
                  onRemoved={() => done(channel.id, 'Removed')}
                  editor={editor(channel.id)}
                />
              ))}
            </ul>
          )}
          {data.heartbeat && (
            <p data-testid="heartbeat">
              Heartbeat to <strong>{visibleText(data.heartbeat.target)}</strong> every {formatDuration(data.heartbeat.every)}
              {' · '}
              {data.heartbeat.lastPing ? `last ping ${deliveryWords(data.heartbeat.lastPing, now)}` : 'no ping yet'}
            </p>
          )}
        </>
      )}
    </section>
  );
}

interface ChannelItemProps {
  channel: AlertChannelView;
  now: number;
  focused: boolean;
  /** The file has it (the list may be a moment older than the file). */
  editable: boolean;
  onEdit: () => void;
  onRemoved: () => void;
  editor: ReactNode;
}

function ChannelItem({ channel, now, focused, editable, onEdit, onRemoved, editor }: ChannelItemProps) {
  const id = channel.id;
  const fileOnly = channel.fileOnly.length > 0;
  return (
    <li id={alertChannelElementId(id)} data-testid={`alert-channel-${id}`} className={`alert-channel${channel.failing ? ' row-critical' : ''}${focused ? ' focused' : ''}`}>
      <span className="settings-source-name">
        <strong>{visibleText(channel.name ?? id)}</strong>
        {channel.name !== undefined && channel.name !== id && <span className="muted"> {id}</span>}{' '}
        <span className="kind">{CHANNEL_KIND_WORD[channel.kind] ?? channel.kind}</span> to <span data-testid={`alert-target-${id}`}>{visibleText(channel.target)}</span>
      </span>
      <span className="muted" data-testid={`alert-filters-${id}`}>
        {filterWords(channel)}
      </span>
      {fileOnly && (
        <span className="file-only" data-testid={`alert-file-only-${id}`} title={channel.fileOnly.map((f) => `${f.field}: ${f.why}`).join('\n')}>
          Config file only (read-only): {channel.fileOnly.map((f) => f.field).join(', ')}
        </span>
      )}
      <span data-testid={`alert-last-${id}`} className={channel.lastDelivery && !channel.lastDelivery.ok ? 'loud' : undefined}>
        {channel.lastDelivery ? `Last: ${visibleText(deliveryWords(channel.lastDelivery, now))}` : 'Nothing sent yet'}
      </span>
      {channel.failing && (
        <span className="problem" data-testid={`alert-failing-${id}`}>
          {visibleText(channel.failing.message)}
        </span>
      )}
      <TestButton channelId={id} />
      {editable && <EditActions id={id} kind={channel.kind} onEdit={onEdit} onRemoved={onRemoved} />}
      {editor}
    </li>
  );
}

function EditActions({ id, kind, onEdit, onRemoved }: { id: string; kind: AlertChannelView['kind']; onEdit: () => void; onRemoved: () => void }) {
  const bridge = useBridge();
  return (
    <span className="actions">
      <button type="button" onClick={onEdit} aria-label={kind === 'command' ? `Show alert channel ${id}` : `Edit alert channel ${id}`}>
        {kind === 'command' ? 'Show' : 'Edit'}
      </button>
      <ConfirmedRemove subject={`alert channel ${id}`} short={id} stays="Its delivery history stays." remove={() => bridge.deleteAlertChannel({ id })} onRemoved={onRemoved} />
    </span>
  );
}

function TestButton({ channelId }: { channelId: string }) {
  const bridge = useBridge();
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<{ result: AlertTestResult } | { error: string } | null>(null);

  const send = () => {
    setSending(true);
    setOutcome(null);
    bridge.testAlertChannel({ id: channelId }).then(
      (result) => {
        setSending(false);
        setOutcome({ result });
      },
      (error: unknown) => {
        setSending(false);
        setOutcome({ error: errorMessage(error) });
      },
    );
  };

  return (
    <span className="actions">
      <button type="button" onClick={send} disabled={sending} aria-busy={sending} aria-label={`Send a test alert to ${channelId}`}>
        Send a test alert
      </button>
      {sending && (
        <span className="muted" role="status" data-testid={`alert-test-sending-${channelId}`}>
          <span className="spinner" aria-hidden="true" /> Sending…
        </span>
      )}
      {outcome && <TestOutcome channelId={channelId} outcome={outcome} />}
    </span>
  );
}

function TestOutcome({ channelId, outcome }: { channelId: string; outcome: { result: AlertTestResult } | { error: string } }) {
  if ('error' in outcome) {
    return (
      <span className="problem" role="alert" data-testid={`alert-test-result-${channelId}`}>
        Could not send: {visibleText(outcome.error)}
      </span>
    );
  }
  const { delivery, target, durationMs } = outcome.result;
  const reply = deliveryReply(delivery);
  return delivery.ok ? (
    <span className="delivered" role="status" data-testid={`alert-test-result-${channelId}`}>
      Test alert delivered to {visibleText(target)} in {formatDuration(durationMs)}
      {reply && ` (${visibleText(reply)})`}
    </span>
  ) : (
    <span className="problem" role="alert" data-testid={`alert-test-result-${channelId}`}>
      Test alert not delivered to {visibleText(target)}: {visibleText(reply || 'no answer')}
    </span>
  );
}
