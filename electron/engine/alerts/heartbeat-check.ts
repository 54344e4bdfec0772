// The heartbeat is sent after poll rounds only (a process that no longer polls must not say it is alive), and
// a round happens at least as often as the most frequently polled source. So `every` (how often the pinged
// service expects a ping) must be at least the shortest poll interval; otherwise pings arrive late and the
// service reports a healthy monitor as down. A warning, not an error: the config still works, just noisily.
import type { Config, ConfigProblem } from '../../../shared/config';
import { writeDuration } from '../../../shared/units';

/** The warning `config check` and the settings page show for alerts.heartbeat, or null when it is sound. */
export function heartbeatIntervalProblem(config: Pick<Config, 'defaults' | 'sources' | 'alerts'>): ConfigProblem | null {
  const heartbeat = config.alerts?.heartbeat;
  if (!heartbeat) return null;
  if (config.sources.length === 0) {
    return { path: 'alerts.heartbeat', message: 'no source is configured, so no poll round runs and no heartbeat is sent: the pinged service will report the monitor down' };
  }
  const shortest = Math.min(...config.sources.map((source) => source.interval ?? config.defaults.interval));
  if (heartbeat.every >= shortest) return null;
  const what = shortest === config.defaults.interval && config.sources.every((s) => s.interval === undefined) ? 'every source is polled' : 'the most frequently polled source is polled';
  return {
    path: 'alerts.heartbeat.every',
    message:
      `is ${writeDuration(heartbeat.every)}, but ${what} every ${writeDuration(shortest)}: the heartbeat is sent after poll rounds, ` +
      `so pings would come up to ${writeDuration(shortest)} apart and the service would report the monitor down; ` +
      `set every to ${writeDuration(shortest)} or more (and the check's period to match)`,
  };
}

/** Every warning `config check` gives about alerts.heartbeat: its interval, and a urlEnv not set here. */
export function heartbeatProblems(config: Pick<Config, 'defaults' | 'sources' | 'alerts'>, env: NodeJS.ProcessEnv = process.env): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const interval = heartbeatIntervalProblem(config);
  if (interval) problems.push(interval);
  const name = config.alerts?.heartbeat?.urlEnv;
  if (name && !env[name]) {
    problems.push({
      path: 'alerts.heartbeat.urlEnv',
      message: `the environment variable ${name} is not set here: serve and the desktop app read the ping URL from it at each ping, and fail the ping while it is missing; set it where they run (a systemd unit's Environment=, say)`,
    });
  }
  return problems;
}
