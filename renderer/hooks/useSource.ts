import { useCallback } from 'react';
import type { ApiEvent, RangeId, SourceDetail } from '../../shared/api';
import { useLiveQuery, type LiveQuery } from './useLiveQuery';

/** Whether a pushed event changes what the page of source `id` shows. */
export function affectsSource(id: string, event: ApiEvent): boolean {
  switch (event.type) {
    case 'poll':
      return event.summary.id === id;
    case 'status':
      return event.event.sourceId === id;
    case 'drill':
      return event.drill.sourceId === id;
    case 'config':
      return true;
    case 'drill-progress':
    case 'alerts':
      return false;
  }
}

export function useSource(id: string, range: RangeId): LiveQuery<SourceDetail> {
  const affects = useCallback((event: ApiEvent) => affectsSource(id, event), [id]);
  return useLiveQuery((bridge) => bridge.source({ id, range }), `${id}\u0000${range}`, affects, 'source');
}
