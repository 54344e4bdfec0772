// How old something a poll saw is. Ages are measured at the latest poll, not at `now`: the backups and
// metrics are what that poll saw, and a gap while the app was not running is "not observed", never a
// backup failure. The one definition every rule uses.
import type { EvaluationInput } from './types';

/** Milliseconds between `at` and the poll that saw it (never negative: clocks drift). */
export function ageAt(input: Pick<EvaluationInput, 'latest' | 'now'>, at: number): number {
  return Math.max(0, (input.latest?.at ?? input.now) - at);
}
