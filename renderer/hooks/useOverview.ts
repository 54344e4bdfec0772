import type { ApiEvent, Overview } from '../../shared/api';
import { useLiveQuery, type LiveQuery } from './useLiveQuery';

const affectsOverview = (event: ApiEvent) => event.type !== 'drill-progress';

export function useOverview(): LiveQuery<Overview> {
  return useLiveQuery((bridge) => bridge.overview(), 'overview', affectsOverview, 'overview');
}
