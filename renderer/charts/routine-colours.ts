// Marks on a database page's scatter charts: where one is drawn, and in which colour.
// Each routine of a database keeps one colour on every chart and legend of its page: the colours cycle through
// ROUTINE_COLOURS classes (styles.css), and the legend always writes the routine's name beside its swatch.
import type { DatabaseRoutine } from '../../shared/databases';

export const ROUTINE_COLOURS = 8;

/** The colour class of each routine, by source id, in the order the routines are listed. */
export function routineColours(routines: readonly Pick<DatabaseRoutine, 'sourceId'>[]): Map<string, string> {
  return new Map(routines.map((r, i) => [r.sourceId, `routine-colour-${i % ROUTINE_COLOURS}`]));
}

/** Where a scatter mark goes; null when recharts could not place it (a value outside the domain). */
export function markCentre({ cx, cy }: { cx?: number | undefined; cy?: number | undefined }): { cx: number; cy: number } | null {
  return cx === undefined || cy === undefined || !Number.isFinite(cx) || !Number.isFinite(cy) ? null : { cx, cy };
}
