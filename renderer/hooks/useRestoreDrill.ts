// A restore drill of one source as the page sees it: started here or by the schedule, its progress from
// 'drill-progress' events, then its result. The result is whatever the 'drill' event or runDrill returns.
import { useCallback, useRef, useState } from 'react';
import type { Drill, DrillProgress } from '../../shared/model';
import { useBridge } from '../api/BridgeContext';
import { errorMessage } from '../api/error-message';
import { useApiEvents } from './useApiEvents';

export interface RestoreDrillState {
  running: boolean;
  progress: DrillProgress | null;
  result: Drill | null;
  /** The drill could not be started or did not answer (not the same as a drill with outcome 'error'). */
  error: string | null;
}

export function useRestoreDrill(sourceId: string, onFinished: () => void): RestoreDrillState & { start: () => void } {
  const bridge = useBridge();
  const [state, setState] = useState<RestoreDrillState>({ running: false, progress: null, result: null, error: null });
  const finished = useRef(onFinished);
  finished.current = onFinished;

  useApiEvents((event) => {
    if (event.type === 'drill-progress' && event.progress.sourceId === sourceId) {
      const progress = event.progress;
      setState((s) => ({ ...s, running: true, progress, result: null, error: null }));
    } else if (event.type === 'drill' && event.drill.sourceId === sourceId) {
      const result = event.drill;
      setState({ running: false, progress: null, result, error: null });
    }
  });

  const start = useCallback(() => {
    setState({ running: true, progress: null, result: null, error: null });
    bridge.runDrill({ id: sourceId }).then(
      (result) => {
        setState({ running: false, progress: null, result, error: null });
        finished.current();
      },
      (error: unknown) => setState({ running: false, progress: null, result: null, error: errorMessage(error) }),
    );
  }, [bridge, sourceId]);

  return { ...state, start };
}
