// Issue 11, "the drill frame stays one": every kind's drill runs in drills/drill-frame.ts and keeps nothing of its
// own that the frame owns: no clock or deadline (timers, AbortControllers, now()), no outcome type or outcome
// values, no phase timings, no restore time. What the frame gives a kind (frame.signal, frame.remaining(),
// frame.onCleanup, DrillStop) is all it uses. Checked on the files of each kind's folder that its drill reaches.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../electron/engine/sources/index';
import { SOURCE_KINDS } from '../../shared/source-kinds';
import { scanImports, type ImportGraph } from '../support/import-graph';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What only the frame may do, each with why a kind must not. */
const FRAME_ONLY: [RegExp, string][] = [
  [/\bnew AbortController\b|\bAbortSignal\.(timeout|any)\b/, 'its own cancel or deadline (use frame.signal and frame.remaining())'],
  [/\bset(Timeout|Interval)\s*\(/, 'its own timer (the frame holds the one deadline)'],
  [/\b(performance|Date)\.now\s*\(/, 'its own clock (the frame times the phases)'],
  [/\bDrillOutcome\b|\boutcome\s*:\s*'(pass|fail|error)'/, 'its own outcome (throw DrillStop or return the message)'],
  [/\bphases\s*[[:=]|\brestoreMs\b/, 'its own phase timings or restore time (frame.enter owns them)'],
  [/\bclass\s+\w*Frame\b/, 'a frame of its own'],
];

/** The code of a file without its comments (a comment may well say what the frame does). */
function code(file: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  let out = '';
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) continue;
    out += scanner.getTokenText();
  }
  return out;
}

/** The files of a kind's folder its drill reaches: its drill*.ts files and what they import inside the folder. */
function drillFiles(graph: ImportGraph, kind: string): string[] {
  const folder = `electron/engine/sources/${kind}/`;
  const start = graph.files.filter((f) => f.startsWith(folder) && /\/[^/]*drill[^/]*\.ts$/.test(f));
  const seen = new Set(start);
  for (const file of seen) {
    for (const edge of graph.imports.get(file) ?? []) {
      if (edge.target?.startsWith(folder) && !edge.typeOnly) seen.add(edge.target);
    }
  }
  return [...seen].sort();
}

describe('one drill frame', () => {
  const graph = scanImports(ROOT);
  const drillable = SOURCE_KINDS.filter((kind) => SOURCES[kind].drill !== undefined);

  it('knows which kinds drill (every kind but postgres today)', () => {
    expect(drillable).toEqual(SOURCE_KINDS.filter((k) => k !== 'postgres'));
  });

  it.each(drillable)('%s: its drill runs in the frame (runDrill, or the dump drill built on it)', (kind) => {
    const files = [...drillFiles(graph, kind), `electron/engine/sources/${kind}/index.ts`];
    expect(files.some((f) => /\brun(Dump)?Drill\s*\(/.test(code(f))), files.join(', ')).toBe(true);
  });

  it.each(drillable)('%s: no file its drill reaches keeps a clock, deadline, outcome or phase timing of its own', (kind) => {
    const problems = drillFiles(graph, kind).flatMap((file) => {
      const text = code(file);
      return FRAME_ONLY.filter(([pattern]) => pattern.test(text)).map(([pattern, why]) => `${file}: ${why} (${pattern.exec(text)![0]})`);
    });
    expect(problems).toEqual([]);
  });

  it('bites: a drill file that keeps its own deadline and outcome is named', () => {
    const text = `const c = new AbortController(); setTimeout(() => c.abort(), 5); return { outcome: 'fail', message };`;
    expect(FRAME_ONLY.filter(([p]) => p.test(text)).map(([, why]) => why)).toEqual([FRAME_ONLY[0]![1], FRAME_ONLY[1]![1], FRAME_ONLY[3]![1]]);
  });
});
