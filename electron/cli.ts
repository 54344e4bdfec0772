// The headless CLI: `backup-health check | drill | history | serve | config check`. Same engine as the desktop app.
import { Command, CommanderError } from 'commander';
import { checkCommand } from './cli/check';
import { configCheckCommand } from './cli/config-check';
import { drillCommand } from './cli/drill';
import { CliError, EXIT_UNKNOWN } from './cli/context';
import { historyCommand } from './cli/history';
import { serveCommand } from './cli/serve';
import { visibleText } from '../shared/visible-text';

declare const __APP_VERSION__: string;

function program(setExit: (code: number) => void): Command {
  const cli = new Command('backup-health')
    .description('Tells you whether your PostgreSQL backups are real: fresh, the right size, and restorable.')
    .version(typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  const global = (cmd: Command) =>
    cmd
      .option('--config <file>', 'config file (default: ~/.config/backup-health/config.yml)')
      .option('--data <dir>', 'where the history lives (default: ~/.local/share/backup-health)');

  global(cli.command('check'))
    .description('poll every source once, record the results, print a table; exit 0 ok, 1 warning, 2 critical, 3 unknown')
    .option('--json', 'print JSON instead of a table')
    .action(async (options) => setExit(await checkCommand(options)));

  global(cli.command('drill'))
    .description('restore a backup into a throwaway PostgreSQL and verify it; exit 0 pass, 2 fail, 3 error')
    .requiredOption('--source <id>', 'source id')
    .option('--backup <key>', 'the backup to restore (path or file name; default: the newest readable one)')
    .option('--json', 'print JSON instead of text')
    .action(async (options) => setExit(await drillCommand(options)));

  global(cli.command('history'))
    .description("print one source's polls, backups and status changes")
    .requiredOption('--source <id>', 'source id')
    .option('--since <duration>', 'how far back (90s, 15m, 26h, 7d)', '7d')
    .option('--json', 'print JSON instead of tables')
    .action((options) => setExit(historyCommand(options)));

  global(cli.command('serve'))
    .description('serve the dashboard to a browser on 127.0.0.1, polling on schedule; prints the URL (with its access token) and runs until stopped')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--open', 'open the URL in the default browser')
    .action(async (options) => setExit(await serveCommand(options)));

  const config = cli.command('config').description('work with the config file');
  global(config.command('check'))
    .description('validate the config file and print every problem')
    .action((options) => setExit(configCheckCommand(options)));
  return cli;
}

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  try {
    await program((code) => (exitCode = code)).parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      process.stderr.write(`${visibleLines(err.message)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`backup-health: ${visibleLines(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_UNKNOWN;
  }
}

/** An error's own lines kept, and no escape sequence from a name it quotes reaching the terminal. */
function visibleLines(message: string): string {
  return message.split('\n').map(visibleText).join('\n');
}

const exitCode = await main(process.argv);
// Exit once output is flushed: a probe that ignored its timeout must not keep a cron job hanging.
process.stdout.write('', () => process.exit(exitCode));
