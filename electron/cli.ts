// The headless CLI: `backup-health check | drill | history | report | serve | config check`. Same engine as the desktop app.
import { Command, CommanderError } from 'commander';
import { checkCommand } from './cli/check';
import { configCheckCommand } from './cli/config-check';
import { drillCommand } from './cli/drill';
import { CliError } from './cli/context';
import { EXIT, EXIT_CODES_HELP } from './cli/exit-codes';
import { historyCommand } from './cli/history';
import { reportCommand, reportKeyCommand, reportVerifyCommand } from './cli/report';
import { serveCommand } from './cli/serve';
import { visibleText } from '../shared/visible-text';

declare const __APP_VERSION__: string;

function program(setExit: (code: number) => void): Command {
  const cli = new Command('backup-health')
    .description('Tells you whether your PostgreSQL backups are real: fresh, the right size, and restorable.')
    .version(typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput({ outputError: (text, write) => write(text) });
  const global = (cmd: Command) =>
    cmd
      .option('--config <file>', 'config file (default: ~/.config/backup-health/config.yml)')
      .option('--data <dir>', 'where the history lives (default: ~/.local/share/backup-health)');

  global(cli.command('check'))
    .description('poll every source once, record the results, print a table; exit 0 ok, 1 warning, 2 critical, 3 unknown (also a usage or config problem)')
    .option('--json', 'print JSON instead of a table')
    .action(async (options) => setExit(await checkCommand(options)));

  global(cli.command('drill'))
    .description('restore a backup into a throwaway PostgreSQL and verify it; exit 0 pass, 2 fail, 3 could not run (also a usage or config problem)')
    .requiredOption('--source <id>', 'source id')
    .option('--backup <key>', 'the backup to restore (path or file name; default: the newest readable one)')
    .option('--json', 'print JSON instead of text')
    .action(async (options) => setExit(await drillCommand(options)));

  global(cli.command('history'))
    .description("print one source's polls, backups and status changes; exit 0, or 3 on a usage, config or history problem")
    .requiredOption('--source <id>', 'source id')
    .option('--since <duration>', 'how far back (90s, 15m, 26h, 7d, 1y; from 1s to 100y)', '7d')
    .option('--json', 'print JSON instead of tables')
    .action(async (options) => setExit(await historyCommand(options)));

  const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
  const report = global(cli.command('report'))
    .description('the evidence an auditor asks for: every drill, the schedule kept, the objectives met, over a period; JSON signed with this installation\'s key; exit 0, or 3 on a usage, config or history problem')
    .option('--since <duration>', 'the period up to now (30d, 13w, 1y; default 90d)')
    .option('--from <date>', 'the period from this date (2026-09-01, or 2026-09-01T08:00Z; UTC unless it says otherwise)')
    .option('--to <date>', 'to this date (a date alone: to the end of that day; default now)')
    .option('--source <id>', 'only this source and the databases it holds (repeat for more)', collect)
    .option('--database <name>', 'only this database and its routines (repeat for more)', collect)
    .option('--format <format>', 'html, pdf (printed by Chromium, where installed) or json (signed)', 'html')
    .option('--out <file>', 'write it here (default: standard output; a PDF needs a file)')
    .option('--paper <size>', 'a4 or letter: the page size of the PDF (default a4) and of the HTML printed')
    .action(async (options) => setExit(await reportCommand(options, typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev')));
  global(report.command('verify'))
    .description("check a JSON report's signature; without --key only this installation's own key is trusted; exit 0 when it holds, 1 when not, 3 on a usage problem")
    .argument('<file>', 'the JSON report')
    .option('--key <fingerprint>', 'trust the key with this fingerprint (SHA256:…, as report key prints it on the installation that signed)')
    .action((file, _options, command: Command) => setExit(reportVerifyCommand(file, command.optsWithGlobals())));
  global(report.command('key'))
    .description("print this installation's report-signing key fingerprint (made on first use); exit 0")
    .action((_options, command: Command) => setExit(reportKeyCommand(command.optsWithGlobals())));

  global(cli.command('serve'))
    .description('serve the dashboard to a browser on 127.0.0.1, polling on schedule; prints the URL (with its access token) and runs until stopped; exit 0 when stopped, 3 when it cannot start')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--open', 'open the URL in the default browser')
    .option('--metrics-token-file <file>', 'serve Prometheus metrics at /metrics to scrapes sending this file\'s first line as Authorization: Bearer <token>')
    .option('--metrics-token <token>', 'the same with the token itself (visible to local users in the process list; prefer the file)')
    .option('--metrics-listen <addr:port>', 'also serve /metrics alone on this address (e.g. 0.0.0.0:9187), for a Prometheus on another machine; needs a token unless the address is loopback')
    .action(async (options) => setExit(await serveCommand(options)));

  const config = cli.command('config').description('work with the config file');
  global(config.command('check'))
    .description('validate the config file and print every problem; exit 0 valid, 3 with problems')
    .action((options) => setExit(configCheckCommand(options)));
  return cli;
}

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  try {
    await program((code) => (exitCode = code)).parseAsync(argv);
    return exitCode;
  } catch (err) {
    // --help and --version exit 0; any other refusal of the command line is a usage problem (3, UNKNOWN for check).
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.unknown;
    if (err instanceof CliError) {
      process.stderr.write(`${visibleLines(err.message)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`backup-health: ${visibleLines(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.unknown;
  }
}

/** An error's own lines kept, and no escape sequence from a name it quotes reaching the terminal. */
function visibleLines(message: string): string {
  return message.split('\n').map(visibleText).join('\n');
}

const exitCode = await main(process.argv);
// Exit once output is flushed: a probe that ignored its timeout must not keep a cron job hanging.
process.stdout.write('', () => process.exit(exitCode));
