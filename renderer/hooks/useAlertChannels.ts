import type { AlertChannelsData, ApiEvent } from '../../shared/api';
import { useLiveQuery, type LiveQuery } from './useLiveQuery';

/** Deliveries follow poll rounds: a round's alerts (event 'alerts'), and the rounds themselves in case none fires. */
export const affectsAlertChannels = (event: ApiEvent) => event.type === 'alerts' || event.type === 'poll' || event.type === 'status' || event.type === 'config';

export function useAlertChannels(): LiveQuery<AlertChannelsData> {
  return useLiveQuery((bridge) => bridge.alertChannels(), 'alert-channels', affectsAlertChannels);
}
