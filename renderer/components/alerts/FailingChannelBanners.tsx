// The overview's banners: one per alert channel that stopped delivering. Whoever reads that channel hears
// nothing more, so this is said above the sources, as loudly as a critical source.
import { visibleText } from '../../../shared/visible-text';
import { useAlertChannels } from '../../hooks/useAlertChannels';
import { href } from '../../routes';

export function FailingChannelBanners() {
  const { data } = useAlertChannels();
  const failing = data?.channels.filter((c) => c.failing !== null) ?? [];
  if (failing.length === 0) return null;
  return (
    <div className="failing-channels" data-testid="failing-channels">
      {failing.map((channel) => (
        <div key={channel.id} className="notice notice-error banner-critical" role="alert" data-testid={`failing-channel-${channel.id}`}>
          <span>
            <strong>Alert channel {visibleText(channel.name ?? channel.id)} is failing.</strong> {visibleText(channel.failing!.message)}
          </span>
          <a className="button" href={href.settings({ channel: channel.id })}>
            See alert channels
          </a>
        </div>
      ))}
    </div>
  );
}
