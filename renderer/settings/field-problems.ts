import type { ConfigProblem } from '../../shared/config';

export interface PlacedProblems {
  /** Messages by the form field they belong beside. */
  byField: Map<string, string[]>;
  /** Problems with no field on the form: shown at the top, with their path. */
  general: ConfigProblem[];
}

/**
 * Puts each problem beside the field it is about: the field whose path is the problem's path or its
 * nearest parent ("drill.checks[1].sql" goes to "drill.checks[1].sql" if the form has that field, else
 * to "drill.checks"). Anything else — the whole source, another source, an unknown key — goes on top.
 */
export function placeProblems(problems: readonly ConfigProblem[], fields: readonly string[]): PlacedProblems {
  const byField = new Map<string, string[]>();
  const general: ConfigProblem[] = [];
  for (const problem of problems) {
    const field = nearestField(problem.path, fields);
    if (field === null) general.push(problem);
    else byField.set(field, [...(byField.get(field) ?? []), problem.message]);
  }
  return { byField, general };
}

function nearestField(path: string, fields: readonly string[]): string | null {
  let best: string | null = null;
  for (const field of fields) {
    const matches = path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
    if (matches && (best === null || field.length > best.length)) best = field;
  }
  return best;
}
