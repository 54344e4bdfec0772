// Runs the real `backup-health` bin as a user would, in a child process.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const BIN = 'bin/backup-health.js';

/** `npm test` builds the CLI first; a single test file run on its own builds it here. */
export function ensureCliBuilt(): void {
  if (!existsSync('out/cli/index.js')) execFileSync(process.execPath, ['build/build-cli.mjs'], { stdio: 'inherit' });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, durationMs: Date.now() - started }));
  });
}
