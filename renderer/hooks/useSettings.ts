import type { ApiEvent, SettingsData } from '../../shared/api';
import { useLiveQuery, type LiveQuery } from './useLiveQuery';

const affectsSettings = (event: ApiEvent) => event.type === 'config';

export function useSettings(): LiveQuery<SettingsData> {
  return useLiveQuery((bridge) => bridge.settings(), 'settings', affectsSettings);
}
