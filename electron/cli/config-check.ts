// `backup-health config check`: validate the config file and print every problem, one per line; exit 3 (a
// config problem, as for every command) when there is any. A config that works but will misbehave (a heartbeat
// pinged less often than its period) is ok with a warning on stderr.
import { formatProblem, loadConfig } from '../engine/config';
import { configFile, type GlobalOptions } from './context';
import { EXIT } from './exit-codes';
import { heartbeatProblems } from '../engine/alerts/heartbeat-check';

export function configCheckCommand(options: GlobalOptions): number {
  const file = configFile(options);
  const loaded = loadConfig(file);
  if (!loaded.ok) {
    process.stderr.write(`${loaded.problems.map((p) => formatProblem(file, p)).join('\n')}\n`);
    return EXIT.unknown;
  }
  for (const warning of heartbeatProblems(loaded.config)) process.stderr.write(`${file}: warning: ${warning.path}: ${warning.message}\n`);
  const n = loaded.config.sources.length;
  process.stdout.write(`${file}: ok (${n} source${n === 1 ? '' : 's'})\n`);
  return EXIT.ok;
}
