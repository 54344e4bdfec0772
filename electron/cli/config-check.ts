// `backup-health config check`: validate the config file and print every problem, one per line; exit 3 (a
// config problem, as for every command) when there is any.
import { formatProblem, loadConfig } from '../engine/config';
import { configFile, type GlobalOptions } from './context';
import { EXIT } from './exit-codes';

export function configCheckCommand(options: GlobalOptions): number {
  const file = configFile(options);
  const loaded = loadConfig(file);
  if (!loaded.ok) {
    process.stderr.write(`${loaded.problems.map((p) => formatProblem(file, p)).join('\n')}\n`);
    return EXIT.unknown;
  }
  const n = loaded.config.sources.length;
  process.stdout.write(`${file}: ok (${n} source${n === 1 ? '' : 's'})\n`);
  return EXIT.ok;
}
