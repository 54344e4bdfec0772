// The layering ARCHITECTURE.md draws, checked on every relative import of electron/, shared/ and renderer/
// (type-only ones too): no import cycle beyond the known ones listed below, 'electron' only in electron/main and
// electron/preload, the renderer and shared/ never reaching into electron/, and no shared folder (shared/,
// drills/, pg-dump/, postgres/, health/, store/) reaching a source kind's folder. A failure prints the chain of
// imports, each with its line. The second half builds small trees that break each rule, so the checker is
// seen to bite.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BOUNDARIES, boundaryViolations, describeChain, importCycles, scanImports, unresolvedImports, type ImportGraph } from '../support/import-graph';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Import cycles that exist today and are to be removed, each as the exact chain importCycles() reports (the loop
 * back to the first file is implied). The test fails when one of them is gone, so this list only ever shrinks:
 * delete an entry when its cycle is broken. Never add one: break the new cycle instead.
 */
const KNOWN_CYCLES: string[][] = [];

function cycleProblems(graph: ImportGraph, known: string[][]): { unexpected: string[]; gone: string[] } {
  const found = importCycles(graph);
  const key = (chain: string[]) => chain.join(' -> ');
  const knownKeys = new Set(known.map(key));
  const foundKeys = new Set(found.map(key));
  return {
    unexpected: found.filter((c) => !knownKeys.has(key(c))).map((c) => describeChain(graph, c, true)),
    gone: known.filter((c) => !foundKeys.has(key(c))).map(key),
  };
}

describe('import boundaries of the app', () => {
  const graph = scanImports(ROOT);

  it('reads the whole app: electron/, shared/ and renderer/, with their imports', () => {
    for (const dir of ['electron/main/', 'electron/preload/', 'electron/engine/', 'electron/server/', 'electron/cli/', 'shared/', 'renderer/']) {
      expect(graph.files.filter((f) => f.startsWith(dir)).length, dir).toBeGreaterThan(0);
    }
    // the checker sees the imports it is about: Electron in the main process, the contract in the renderer
    expect(graph.imports.get('electron/main/window.ts')?.map((e) => e.spec)).toContain('electron');
    expect(graph.imports.get('electron/preload/index.ts')?.some((e) => e.target === 'shared/api.ts')).toBe(true);
  });

  it('every relative import names a file that exists', () => {
    expect(unresolvedImports(graph)).toEqual([]);
  });

  it('has no import cycle but the known ones, and each known one is still there', () => {
    const { unexpected, gone } = cycleProblems(graph, KNOWN_CYCLES);
    // A new cycle: break it (move what both files need into a third that neither imports); never list it.
    expect(unexpected, 'import cycles not in KNOWN_CYCLES (file:line of each import; "(type)" marks import type)').toEqual([]);
    // A known cycle is gone: good, delete its entry from KNOWN_CYCLES.
    expect(gone, 'cycles in KNOWN_CYCLES that no longer exist: delete them from the list').toEqual([]);
  });

  for (const boundary of BOUNDARIES) {
    it(boundary.name, () => {
      expect(boundaryViolations(graph, boundary), `imports crossing the boundary (file:line of each import): ${boundary.instead}`).toEqual([]);
    });
  }
});

describe('the checker bites', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** A scratch tree of `files` (path -> source text), scanned like the app. */
  function tree(files: Record<string, string>): ImportGraph {
    const root = mkdtempSync(join(tmpdir(), 'backup-health-boundaries-'));
    roots.push(root);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, dirname(path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return scanImports(root);
  }

  const boundary = (name: RegExp) => BOUNDARIES.find((b) => name.test(b.name))!;

  it('finds a cycle through a type-only import and a re-export, shown with each line, and only that one', () => {
    const graph = tree({
      'electron/engine/probes/borg.ts': "import { runBorgDrill } from '../drills/borg-drill';\nexport const probe = runBorgDrill;\n",
      'electron/engine/drills/borg-drill.ts': "// the drill needs a type the probe file holds\nimport type { Probe } from '../probes/borg';\nexport * from './frame';\nexport const runBorgDrill = 1;\n",
      'electron/engine/drills/frame.ts': "import { x } from './frame-parts';\nexport const frame = x;\n",
      'electron/engine/drills/frame-parts.ts': "export { frame as x } from './frame';\n",
      'electron/engine/exec.ts': "import { probe } from './probes/borg';\nexport const run = probe;\n",
    });
    expect(importCycles(graph)).toEqual([
      ['electron/engine/drills/borg-drill.ts', 'electron/engine/probes/borg.ts'],
      ['electron/engine/drills/frame-parts.ts', 'electron/engine/drills/frame.ts'],
    ]);
    const { unexpected, gone } = cycleProblems(graph, [['electron/engine/drills/frame-parts.ts', 'electron/engine/drills/frame.ts']]);
    expect(unexpected).toEqual(['electron/engine/drills/borg-drill.ts:2 (type) -> electron/engine/probes/borg.ts:1 -> electron/engine/drills/borg-drill.ts']);
    expect(gone).toEqual([]);
    // a known cycle that was broken is reported too, so the list cannot outlive it
    expect(cycleProblems(graph, [['electron/engine/a.ts', 'electron/engine/b.ts']]).gone).toEqual(['electron/engine/a.ts -> electron/engine/b.ts']);
  });

  it('finds a file importing itself, and a cycle through a dynamic import() and an index.ts', () => {
    const graph = tree({
      'shared/units.ts': "import { parse } from './units';\nexport const x = parse;\n",
      'electron/cli/drill.ts': "export async function load() { return import('../engine/sources'); }\n",
      'electron/engine/sources/index.ts': "import { load } from '../../cli/drill';\nexport const registry = load;\n",
    });
    expect(importCycles(graph)).toEqual([['electron/cli/drill.ts', 'electron/engine/sources/index.ts'], ['shared/units.ts']]);
  });

  it("finds 'electron' outside main and preload, directly and through a main file, but not inside them", () => {
    const graph = tree({
      'electron/main/tray.ts': "import { Tray } from 'electron';\nexport const tray = Tray;\n",
      'electron/preload/index.ts': "import { contextBridge } from 'electron';\nexport const bridge = contextBridge;\n",
      'electron/engine/notify.ts': "import type { Notification } from 'electron';\nexport type N = Notification;\n",
      'electron/server/status.ts': "\n\nimport { tray } from '../main/tray';\nexport const t = tray;\n",
      'shared/api.ts': "export const api = require('electron/renderer');\n",
    });
    expect(boundaryViolations(graph, boundary(/'electron'/))).toEqual([
      "electron/engine/notify.ts:1 (type) -> 'electron'",
      "electron/server/status.ts:3 -> electron/main/tray.ts:1 -> 'electron'",
      "shared/api.ts:1 -> 'electron/renderer'",
    ]);
  });

  it('finds the renderer and shared/ reaching into electron/, through shared/ too', () => {
    const graph = tree({
      'renderer/pages/SourcePage.tsx': "import type { Overview } from '../../shared/api';\nimport { words } from '../words';\nexport const page = (o: Overview) => words(o);\n",
      'renderer/words.ts': "import { formatBytes } from '../shared/units';\nexport const words = formatBytes;\n",
      'renderer/App.tsx': "\nimport { Engine } from '../electron/engine/engine';\nexport const app = Engine;\n",
      'shared/api.ts': "export interface Overview { n: number }\n",
      'shared/units.ts': "import { describeSize } from '../electron/engine/store/sizes';\nexport const formatBytes = describeSize;\n",
      'electron/engine/engine.ts': 'export class Engine {}\n',
      'electron/engine/store/sizes.ts': 'export const describeSize = 1;\n',
    });
    expect(boundaryViolations(graph, boundary(/renderer/))).toEqual([
      'renderer/App.tsx:2 -> electron/engine/engine.ts',
      'renderer/words.ts:1 -> shared/units.ts:1 -> electron/engine/store/sizes.ts',
    ]);
    expect(boundaryViolations(graph, boundary(/^shared/))).toEqual(['shared/units.ts:1 -> electron/engine/store/sizes.ts']);
  });

  it("finds a shared folder reaching a source kind's folder, directly or through the registry; the kind and its registry may", () => {
    const graph = tree({
      'electron/engine/sources/index.ts': "import { borg } from './borg';\nexport const SOURCES = { borg };\n",
      'electron/engine/sources/borg/index.ts': "import { runDrill } from '../../drills/drill-frame';\nimport { command } from './command';\nexport const borg = { runDrill, command };\n",
      'electron/engine/sources/borg/command.ts': 'export const command = 1;\n',
      'electron/engine/drills/drill-frame.ts': 'export const runDrill = 1;\n',
      'electron/engine/health/evaluate.ts': "import { SOURCES } from '../sources';\nexport const rules = SOURCES;\n",
      'electron/engine/pg-dump/header.ts': "import type { command } from '../sources/borg/command';\nexport type C = typeof command;\n",
      'electron/engine/engine.ts': "import { SOURCES } from './sources';\nexport const engine = SOURCES;\n",
      'shared/source-kinds.ts': "import { borg } from '../electron/engine/sources/borg';\nexport const kinds = [borg];\n",
    });
    expect(boundaryViolations(graph, boundary(/source kind/))).toEqual([
      'electron/engine/health/evaluate.ts:1 -> electron/engine/sources/index.ts:1 -> electron/engine/sources/borg/index.ts',
      'electron/engine/pg-dump/header.ts:1 (type) -> electron/engine/sources/borg/command.ts',
      'shared/source-kinds.ts:1 -> electron/engine/sources/borg/index.ts',
    ]);
  });

  it('names a relative import that resolves to nothing', () => {
    const graph = tree({ 'electron/engine/engine.ts': "import { gone } from './probes/postgres';\nexport const e = gone;\n" });
    expect(unresolvedImports(graph)).toEqual(["electron/engine/engine.ts:1 imports './probes/postgres', which is no file"]);
  });
});
