import { useEffect, useRef } from 'react';
import type { ApiEvent } from '../../shared/api';
import { useBridge } from '../api/BridgeContext';

/** Calls `listener` for every event the engine pushes, for as long as the component is mounted. */
export function useApiEvents(listener: (event: ApiEvent) => void): void {
  const bridge = useBridge();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => bridge.subscribe((event) => latest.current(event)), [bridge]);
}
