import type { ConnectionOptions } from 'node:tls';

/** Passwords the desktop app keeps in the OS keychain (electron/main/secrets.ts), by key (channelSecretKey). */
export interface StoredSecrets {
  password(key: string): Promise<string | undefined>;
}

/** What senders take from outside: the environment secrets are read from, and TLS trust for tests. */
export interface SenderDeps {
  env: NodeJS.ProcessEnv;
  /** Extra TLS options for SMTP (a test's own CA); absent: the system's trust store. */
  tls?: ConnectionOptions;
  /** The desktop app's keychain, for channels that say passwordStored; absent in serve and the CLI. */
  stored?: StoredSecrets;
}
