import type { ConnectionOptions } from 'node:tls';

/** What senders take from outside: the environment secrets are read from, and TLS trust for tests. */
export interface SenderDeps {
  env: NodeJS.ProcessEnv;
  /** Extra TLS options for SMTP (a test's own CA); absent: the system's trust store. */
  tls?: ConnectionOptions;
}
