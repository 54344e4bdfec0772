// Settings: the alert channels as the config file has them, each with its last delivery and a "Send a test
// alert" button. Channels are edited in the config file only (for now); what names a program or a password file
// could not be set here anyway (the serve token must never buy a shell).
import { useEffect, useState } from 'react';
import type { AlertChannelView, AlertTestResult } from '../../../shared/api';
import { visibleText } from '../../../shared/visible-text';
import { formatDuration } from '../../../shared/units';
import { useBridge } from '../../api/BridgeContext';
import { errorMessage } from '../../api/error-message';
import { useAlertChannels } from '../../hooks/useAlertChannels';
import { useNow } from '../../hooks/useNow';
import { ErrorNotice } from '../ErrorNotice';
import { CHANNEL_KIND_WORD, deliveryReply, deliveryWords, filterWords } from './alert-words';

export function alertChannelElementId(id: string): string {
  return `alert-channel-${id}`;
}

export function AlertChannelsSection({ configFile, focusChannel }: { configFile: string; focusChannel?: string }) {
  const query = useAlertChannels();
  const now = useNow();
  const data = query.data;

  useEffect(() => {
    if (!focusChannel || !data) return;
    document.getElementById(alertChannelElementId(focusChannel))?.scrollIntoView?.({ block: 'center' });
  }, [focusChannel, data]);

  return (
    <section className="alert-channels" aria-labelledby="alert-channels-title" data-testid="alert-channels">
      <h2 id="alert-channels-title">Alert channels</h2>
      <p className="muted" data-testid="alert-channels-hint">
        Edit alerts: in the config file (<code>{configFile}</code>, under <code>alerts:</code>); the dashboard shows them and sends test alerts.
      </p>
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
            <p data-testid="no-alert-channels">No alert channels: add them under alerts.channels in the config file.</p>
          ) : (
            <ul className="settings-sources alert-channel-list">
              {data.channels.map((channel) => (
                <ChannelItem key={channel.id} channel={channel} now={now} focused={channel.id === focusChannel} />
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

function ChannelItem({ channel, now, focused }: { channel: AlertChannelView; now: number; focused: boolean }) {
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
    </li>
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
