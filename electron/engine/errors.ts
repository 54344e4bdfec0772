// What every layer of the engine may import to fail or to speak about a failure: the error a probe or a drill
// step throws when it cannot do its work, and the scrubbing of credentials from any text shown to a user.
// Nothing here imports the rest of the engine.
import type { ProbeErrorCode } from '../../shared/model';

/** What a probe throws when it cannot observe; the engine turns it into a stored, displayed value. */
export class ProbeError extends Error {
  constructor(
    readonly code: ProbeErrorCode,
    message: string,
    readonly host?: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** Tool and driver messages sometimes echo a connection string; never let a credential reach the screen. */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1')
    .replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
}
