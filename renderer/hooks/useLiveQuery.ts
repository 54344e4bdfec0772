// One API read that stays current: loaded on mount and when `key` changes, and loaded again shortly after
// any pushed event that `affects` it. Events are coalesced: a burst (200 sources polled in one go) costs
// one re-fetch per window, and a steady stream still refreshes every window instead of starving.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiEvent, BackupHealthBridge } from '../../shared/api';
import { useBridge } from '../api/BridgeContext';
import { errorMessage } from '../api/error-message';
import { useApiEvents } from './useApiEvents';
import { markDataArrived } from './useRenderTiming';

export const REFRESH_COALESCE_MS = 250;

export interface LiveQuery<T> {
  data: T | null;
  /** The last load's error, in words; data keeps the last good value. */
  error: string | null;
  loading: boolean;
  refresh: () => void;
}

export function useLiveQuery<T>(
  load: (bridge: BackupHealthBridge) => Promise<T>,
  key: string,
  affects: (event: ApiEvent) => boolean,
  /** Name for the benchmark's performance marks (see useRenderTiming). */
  timingName?: string,
): LiveQuery<T> {
  const bridge = useBridge();
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const affectsRef = useRef(affects);
  affectsRef.current = affects;
  // Only the newest request may set state: a slow answer for the old range must not replace the new one.
  const latestRequest = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useCallback(() => {
    const request = ++latestRequest.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(bridge).then(
      (data) => {
        if (request !== latestRequest.current) return;
        if (timingName) markDataArrived(timingName);
        setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (request === latestRequest.current) setState((s) => ({ data: s.data, error: errorMessage(error), loading: false }));
      },
    );
  }, [bridge, timingName]);

  useEffect(() => {
    refresh();
  }, [refresh, key]);

  useApiEvents((event) => {
    if (timer.current !== null || !affectsRef.current(event)) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      refresh();
    }, REFRESH_COALESCE_MS);
  });

  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
      latestRequest.current++;
    },
    [],
  );

  return { ...state, refresh };
}
