// The app's imports as a graph, read with the TypeScript parser, and the boundaries ARCHITECTURE.md (Layout)
// sets on it: no import cycle; 'electron' only in electron/main and electron/preload; the renderer never
// reaching into electron/; shared/ never reaching electron/; no shared folder reaching a source kind's folder.
// Type-only imports count too: they are erased from the build, but a cycle or a boundary crossed in types is
// the same tangle for the next reader, and the rules say "never imports", not "never at run time".
// Used by test/unit/boundaries.test.ts, which runs it on the real tree and on small trees built to break it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** The folders whose .ts and .tsx files make up the app. */
export const APP_DIRS = ['electron', 'shared', 'renderer'] as const;

export interface ImportEdge {
  /** The importing file, relative to the root, with / separators. */
  from: string;
  /** As written: './drill-frame', 'electron', 'node:fs'. */
  spec: string;
  line: number;
  /** import type / export type, or every named binding marked type: erased from the build. */
  typeOnly: boolean;
  /** The file a relative spec resolves to (relative to the root), null when none does; undefined for a package. */
  target?: string | null;
}

export interface ImportGraph {
  root: string;
  /** Every scanned file, sorted. */
  files: string[];
  /** The imports of each scanned file, in source order. */
  imports: Map<string, ImportEdge[]>;
}

const isRelative = (spec: string) => spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../');
const toPosix = (path: string) => path.split(sep).join('/');

function sourceFiles(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules') return [];
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(root, path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** What the bundler and tsc (moduleResolution Bundler) would load for a relative spec, or null. */
function resolveRelative(root: string, from: string, spec: string): string | null {
  const base = resolve(root, dirname(from), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}.d.ts`, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), join(base, 'index.ts'), join(base, 'index.tsx')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return found ? toPosix(relative(root, found)) : null;
}

function importsOf(root: string, file: string): ImportEdge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const spec = specifier.text;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    edges.push({ from: file, spec, line, typeOnly, ...(isRelative(spec) ? { target: resolveRelative(root, file, spec) } : {}) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const allTypes = !!clause && !clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, !!clause && (clause.isTypeOnly || allTypes));
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node, node.moduleSpecifier, node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

export function scanImports(root: string, dirs: readonly string[] = APP_DIRS): ImportGraph {
  const files = dirs.flatMap((dir) => sourceFiles(root, dir)).sort();
  return { root, files, imports: new Map(files.map((file) => [file, importsOf(root, file)])) };
}

/** Relative imports that resolve to no file: "electron/engine/a.ts:3 imports './gone'". */
export function unresolvedImports(graph: ImportGraph): string[] {
  return [...graph.imports.values()].flat().filter((e) => e.target === null).map((e) => `${e.from}:${e.line} imports '${e.spec}', which is no file`);
}

/** The first import (in source order) from `from` to the file `to`. */
function edgeBetween(graph: ImportGraph, from: string, to: string): ImportEdge | undefined {
  return graph.imports.get(from)?.find((e) => e.target === to);
}

function internalTargets(graph: ImportGraph, file: string): string[] {
  const targets = (graph.imports.get(file) ?? []).map((e) => e.target).filter((t): t is string => !!t && graph.imports.has(t));
  return [...new Set(targets)].sort();
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function tangles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of internalTargets(graph, v)) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || internalTargets(graph, v).includes(v)) found.push(component.sort());
    }
  };
  for (const file of graph.files) if (!index.has(file)) connect(file);
  return found;
}

/**
 * Every import cycle, as the shortest loop through each import that closes one: for an import a -> b inside a
 * tangle, the shortest path b -> ... -> a. Each chain starts at its alphabetically first file and lists each
 * file once (the loop back to the first is implied). So every import that takes part in a cycle shows up in a
 * chain, a new import that closes a loop adds a chain, and removing one drops the chains through it.
 */
export function importCycles(graph: ImportGraph): string[][] {
  const chains = new Map<string, string[]>();
  for (const component of tangles(graph)) {
    const inside = new Set(component);
    for (const a of component) {
      for (const b of internalTargets(graph, a).filter((t) => inside.has(t))) {
        const previous = new Map<string, string | null>([[b, null]]);
        const queue = [b];
        while (queue.length > 0 && !previous.has(a)) {
          const x = queue.shift()!;
          for (const y of internalTargets(graph, x)) {
            if (inside.has(y) && !previous.has(y)) {
              previous.set(y, x);
              queue.push(y);
            }
          }
        }
        const loop: string[] = [];
        for (let x: string | null | undefined = a; x != null; x = previous.get(x)) loop.unshift(x);
        const first = loop.indexOf([...loop].sort()[0]!);
        const chain = [...loop.slice(first), ...loop.slice(0, first)];
        chains.set(chain.join(' -> '), chain);
      }
    }
  }
  return [...chains.values()].sort((x, y) => x.join(' ').localeCompare(y.join(' ')));
}

/** "a.ts:3 -> b.ts:12 (type) -> a.ts": each hop with the line of its import, type-only imports marked. */
export function describeChain(graph: ImportGraph, files: string[], closeLoop: boolean): string {
  const hops = closeLoop ? [...files, files[0]!] : files;
  return hops
    .map((file, i) => {
      const next = hops[i + 1];
      if (next === undefined) return file;
      const edge = edgeBetween(graph, file, next);
      return edge ? `${file}:${edge.line}${edge.typeOnly ? ' (type)' : ''}` : file;
    })
    .join(' -> ');
}

export interface Boundary {
  name: string;
  /** Files the rule protects: nothing they import, directly or through other files, may cross. */
  appliesTo(file: string): boolean;
  /** The import that crosses: its target file (relative specs) or its package name. */
  crosses(edge: ImportEdge): boolean;
  /** What to do instead, for the failure message. */
  instead: string;
}

const under = (file: string, ...folders: string[]) => folders.some((folder) => file.startsWith(`${folder}/`));

/** electron/engine/sources/<kind>/...: a source kind's own folder (sources/index.ts, the registry, is not one). */
export const isSourceKindFile = (file: string) => /^electron\/engine\/sources\/[^/]+\/./.test(file);

/** Folders every kind builds on; they must not know any one kind. */
export const SHARED_FOLDERS = ['shared', 'electron/engine/drills', 'electron/engine/pg-dump', 'electron/engine/postgres', 'electron/engine/health', 'electron/engine/store'];

export const BOUNDARIES: Boundary[] = [
  {
    name: "'electron' is imported only in electron/main and electron/preload",
    appliesTo: (file) => !under(file, 'electron/main', 'electron/preload'),
    crosses: (edge) => edge.spec === 'electron' || edge.spec.startsWith('electron/'),
    instead: 'the engine, server, CLI, shared code and renderer run without Electron (check, serve, the browser): pass what they need in from electron/main',
  },
  {
    name: 'the renderer never imports from electron/',
    appliesTo: (file) => under(file, 'renderer'),
    crosses: (edge) => !!edge.target && under(edge.target, 'electron'),
    instead: 'the renderer reaches the engine only through shared/api.ts; move shared types or pure helpers to shared/',
  },
  {
    name: 'shared/ never imports from electron/',
    appliesTo: (file) => under(file, 'shared'),
    crosses: (edge) => !!edge.target && under(edge.target, 'electron'),
    instead: 'shared/ is imported by the renderer too: move what it needs into shared/, or the import out of it',
  },
  {
    name: "no shared folder imports a source kind's folder",
    appliesTo: (file) => under(file, ...SHARED_FOLDERS),
    crosses: (edge) => !!edge.target && isSourceKindFile(edge.target),
    instead: "shared code must not know any one kind: move what it uses out of the kind's folder, or have the kind pass it in",
  },
];

/**
 * Every import, reached from a file the boundary protects (directly or through the files it imports), that
 * crosses the boundary: one chain per crossing import, from the nearest protected file, each hop with its line.
 */
export function boundaryViolations(graph: ImportGraph, boundary: Boundary): string[] {
  const starts = graph.files.filter((f) => boundary.appliesTo(f));
  const previous = new Map<string, string | null>(starts.map((f) => [f, null]));
  const queue = [...starts];
  const found = new Map<string, string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const edge of graph.imports.get(file) ?? []) {
      if (boundary.crosses(edge)) {
        const chain: string[] = [];
        for (let x: string | null | undefined = file; x != null; x = previous.get(x)) chain.unshift(x);
        const shown = `${describeChain(graph, chain, false)}:${edge.line}${edge.typeOnly ? ' (type)' : ''} -> ${edge.target ?? `'${edge.spec}'`}`;
        found.set(`${file} ${edge.target ?? edge.spec}`, shown);
      } else if (edge.target && graph.imports.has(edge.target) && !previous.has(edge.target)) {
        previous.set(edge.target, file);
        queue.push(edge.target);
      }
    }
  }
  return [...found.values()].sort();
}
