import { useState } from 'react';
import { useBridge } from '../api/BridgeContext';
import { errorMessage } from '../api/error-message';

/** Polls one source (or every source) now instead of waiting for its interval. */
export function PollNowButton({ sourceId, onPolled }: { sourceId?: string; onPolled: () => void }) {
  const bridge = useBridge();
  const [polling, setPolling] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const poll = () => {
    setPolling(true);
    setError(null);
    bridge.pollNow(sourceId === undefined ? {} : { id: sourceId }).then(
      () => {
        setPolling(false);
        onPolled();
      },
      (err: unknown) => {
        setPolling(false);
        setError(errorMessage(err));
      },
    );
  };

  return (
    <span className="poll-now">
      <button type="button" onClick={poll} disabled={polling} aria-busy={polling}>
        Poll now
      </button>
      {polling && (
        <span className="muted" role="status">
          Polling…
        </span>
      )}
      {error && (
        <span className="problem" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
