// Builds the CLI bundle once so tests can run `backup-health` exactly as a user would.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['build/build-cli.mjs'], { stdio: 'inherit' });
}
