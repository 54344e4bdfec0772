// A channel's secret, read when an alert is sent (so a variable set later, a rotated file or a password entered
// again in the settings page is picked up): passwordEnv, passwordFile, or the desktop app's keychain
// (passwordStored), never the config text. A missing one is a failed delivery, not a crash.
import { readPasswordFile } from '../../secrets';
import type { SenderDeps } from './deps';

export class MissingSecret extends Error {}

/**
 * The keychain's key for a channel's password. Source ids cannot hold a colon (shared/config.ts), so a
 * channel's key never names a source's password, even when a channel and a source share an id.
 */
export function channelSecretKey(channelId: string): string {
  return `alert-channel:${channelId}`;
}

export async function channelSecret(
  holder: { passwordEnv?: string; passwordFile?: string; passwordStored?: true },
  deps: Pick<SenderDeps, 'env' | 'stored'>,
  channelId: string,
  what: string,
): Promise<string | undefined> {
  if (holder.passwordEnv) return envValue(deps.env, holder.passwordEnv, what);
  if (holder.passwordFile) {
    try {
      return await readPasswordFile(holder.passwordFile);
    } catch (error) {
      throw new MissingSecret(`${what}: ${(error as Error).message}`);
    }
  }
  if (holder.passwordStored) return storedValue(deps, channelId, what);
  return undefined;
}

async function storedValue(deps: Pick<SenderDeps, 'stored'>, channelId: string, what: string): Promise<string> {
  if (!deps.stored) {
    throw new MissingSecret(`${what} is kept in the desktop app's keychain (passwordStored), which this process cannot read: for serve, set passwordEnv or passwordFile instead`);
  }
  let value: string | undefined;
  try {
    value = await deps.stored.password(channelSecretKey(channelId));
  } catch (error) {
    throw new MissingSecret(`${what}: ${(error as Error).message}`);
  }
  if (!value) throw new MissingSecret(`${what} is not in the keychain: enter it again for ${channelId} in Settings`);
  return value;
}

export function envValue(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new MissingSecret(`${what}: the environment variable ${name} is not set for Backup Health`);
  return value;
}
