// A channel's secret, read when an alert is sent (so a variable set later, or a rotated file, is picked up):
// passwordEnv or passwordFile, never the config text. A missing one is a failed delivery, not a crash.
import { readPasswordFile } from '../../secrets';

export class MissingSecret extends Error {}

export async function channelSecret(holder: { passwordEnv?: string; passwordFile?: string }, env: NodeJS.ProcessEnv, what: string): Promise<string | undefined> {
  if (holder.passwordEnv) return envValue(env, holder.passwordEnv, what);
  if (holder.passwordFile) {
    try {
      return await readPasswordFile(holder.passwordFile);
    } catch (error) {
      throw new MissingSecret(`${what}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

export function envValue(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new MissingSecret(`${what}: the environment variable ${name} is not set for Backup Health`);
  return value;
}
