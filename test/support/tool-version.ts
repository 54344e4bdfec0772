// What a tool itself prints as its version, for tests of what a drill recorded in its provenance
// (drills/tool-versions.ts): the binary is run here (or on a host over ssh) at test time, so no version is
// written into a test.
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { run } from '../../electron/engine/exec';
import { runTool, type Where } from '../../electron/engine/remote';
import { findPostgresInstalls } from '../../electron/engine/drills/postgres-install';

/** The first non-empty line `command args` prints (here, or on where.host over ssh), trimmed. */
export async function printedVersionLine(command: string, args: readonly string[] = ['--version'], where: Where = {}): Promise<string> {
  const result = where.host ? await runTool(where, command, args, { timeoutMs: 30_000 }) : await run(command, args, { timeoutMs: 30_000 });
  expect(result.code, `${command} ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trim()).find(Boolean) ?? '';
}

/**
 * The drill recorded `command`'s own version: the start of the line the tool prints (its frame of asterisks
 * aside), holding its version number whole.
 */
export async function expectToolVersion(recorded: string | undefined, command: string, args: readonly string[] = ['--version'], where: Where = {}): Promise<void> {
  const line = (await printedVersionLine(command, args, where)).replace(/^\*+\s*/, '');
  expect(recorded, `the version of ${command}`).toBeDefined();
  expect(line.startsWith(recorded!), `"${line}" starts with "${recorded}"`).toBe(true);
  const number = /\d+(?:\.\d+)+/.exec(line)?.[0];
  expect(number).toBeDefined();
  expect(recorded).toContain(number);
}

/** A PostgreSQL tool recorded as pg_restore is: what follows "(PostgreSQL)" in the line the binary prints. */
export async function expectPostgresToolVersion(recorded: string | undefined, path: string): Promise<void> {
  const line = await printedVersionLine(path);
  expect(line).toBe(`${basename(path)} (PostgreSQL) ${recorded}`);
}

/** The path of `tool` in the PostgreSQL installation whose server version a drill recorded (scratchServer). */
export async function postgresToolOf(scratchServer: string | null | undefined, tool: string): Promise<string> {
  const install = (await findPostgresInstalls()).find((i) => i.version === scratchServer);
  expect(install, `an installation of ${scratchServer}`).toBeDefined();
  return join(install!.bin, tool);
}
