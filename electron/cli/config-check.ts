// `backup-health config check`: validate the config file and print every problem, one per line.
import { formatProblem, loadConfig } from '../engine/config';
import { configFile, type GlobalOptions } from './context';

export function configCheckCommand(options: GlobalOptions): number {
  const file = configFile(options);
  const loaded = loadConfig(file);
  if (!loaded.ok) {
    process.stderr.write(`${loaded.problems.map((p) => formatProblem(file, p)).join('\n')}\n`);
    return 1;
  }
  const n = loaded.config.sources.length;
  process.stdout.write(`${file}: ok (${n} source${n === 1 ? '' : 's'})\n`);
  return 0;
}
