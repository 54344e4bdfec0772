// Errors cross the bridge as {code, message} values turned into thrown errors; the message is written for
// a sysadmin, so it is shown as it is.
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return typeof error === 'string' && error ? error : 'something went wrong (no message)';
}
