// Alert round benchmark: 1,000 sources change in one poll round and three channels (webhook, Slack-compatible,
// e-mail) hear about it: each must get exactly one message, and the figure is how long building and sending
// that round takes against real receivers on 127.0.0.1 (an HTTP server, an SMTP server), deliveries recorded
// in a real history file. Run alone with `npx tsx test/bench/alerts.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { AlertDispatcher } from '../../electron/engine/alerts/dispatcher';
import { composeStatusAlert } from '../../electron/engine/alerts/compose';
import { selectItems } from '../../electron/engine/alerts/select';
import type { RoundContext, SourceFacts, StatusChange } from '../../electron/engine/alerts/types';
import { DeliveryTable } from '../../electron/engine/store/deliveries';
import { History } from '../../electron/engine/store/history';
import { validateConfig } from '../../shared/config';
import type { BenchFigure } from './figure';

const SOURCES = 1000;
const RUNS = 5;

export async function benchAlerts(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-bench-alerts-'));
  const http = { webhook: 0, slack: 0, bytes: 0 };
  const httpServer = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      if (req.url === '/hook') http.webhook++;
      if (req.url === '/slack') http.slack++;
      http.bytes += bytes;
      res.writeHead(200).end('ok');
    });
  });
  const mails: number[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      let bytes = 0;
      stream.on('data', (c: Buffer) => (bytes += c.length));
      stream.on('end', () => {
        mails.push(bytes);
        callback();
      });
    },
  });
  try {
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const httpBase = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    const parsed = validateConfig({
      alerts: {
        channels: [
          { id: 'hook', kind: 'webhook', url: `${httpBase}/hook` },
          { id: 'chat', kind: 'slack', url: `${httpBase}/slack` },
          { id: 'mail', kind: 'email', to: ['ops@example.com'], from: 'bh@example.com', smtp: { host: '127.0.0.1', port: smtpPort, tls: 'none' } },
        ],
      },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const alerts = parsed.config.alerts!;
    const { changes, context } = round(0);
    const roundMs: number[] = [];
    const buildMs: number[] = [];
    let perChannel: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      http.webhook = http.slack = 0;
      mails.length = 0;
      // a fresh history file and dispatcher each run: what the channels were told (kept in the file) is not carried over
      const file = join(dir, `history-${run}.sqlite`);
      History.open(file).close();
      const log = DeliveryTable.open(file);
      const dispatcher = new AlertDispatcher(alerts, { log, senderDeps: { env: {} }, retryDelays: [0] });
      const buildStart = performance.now();
      for (const channel of alerts.channels) composeStatusAlert(selectItems(channel, changes, context), context.at);
      buildMs.push(performance.now() - buildStart);
      const start = performance.now();
      const report = await dispatcher.round(changes, { ...context, at: context.at + run });
      roundMs.push(performance.now() - start);
      if (report.sent.some((s) => !s.result.ok)) throw new Error(`a channel failed: ${JSON.stringify(report.sent)}`);
      perChannel = [http.webhook, http.slack, mails.length];
      progress(`alerts run ${run}: round ${Math.round(roundMs.at(-1)!)} ms (build ${buildMs.at(-1)!.toFixed(1)} ms), messages per channel ${perChannel.join('/')}, mail ${mails[0]} bytes`);
      log.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const oneEach = perChannel.every((n) => n === 1);
    const roundMedian = median(roundMs);
    const buildMedian = median(buildMs);
    return [
      {
        name: `alert round: ${SOURCES} changed sources to 3 channels (webhook, Slack, e-mail over SMTP on 127.0.0.1): messages per channel (webhook/Slack/e-mail = ${perChannel.join('/')})`,
        value: Math.max(...perChannel),
        unit: 'messages',
        goal: 'exactly 1 per channel',
        pass: oneEach,
      },
      {
        name: `alert round: ${SOURCES} changed sources to 3 channels, build + send + record (median of ${RUNS}); baseline: building the 3 messages alone`,
        value: round1(roundMedian),
        unit: 'ms',
        baseline: round1(buildMedian),
        ratio: round1(roundMedian / buildMedian),
      },
    ];
  } finally {
    smtp.close(() => {});
    httpServer.closeAllConnections();
    httpServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(at: number): { changes: StatusChange[]; context: RoundContext } {
  const sources: Record<string, SourceFacts> = {};
  const changes: StatusChange[] = [];
  for (let i = 0; i < SOURCES; i++) {
    const id = `source-${String(i).padStart(4, '0')}`;
    sources[id] = { name: `Database dumps ${i}`, databases: [`db${i}`] };
    const to = i % 3 === 0 ? 'critical' : i % 3 === 1 ? 'warning' : 'ok';
    changes.push({
      sourceId: id,
      from: to === 'ok' ? 'critical' : 'ok',
      to,
      findings: to === 'ok' ? [] : [{ rule: 'backup-age', status: to, message: `The newest dump of db${i} is 31h old (limit 26h): check the pg_dump cron job on db${i % 40}` }],
    });
  }
  return { changes, context: { at: Date.UTC(2026, 11, 3, 2, 10) + at, sources, dashboardUrl: 'https://backup.example.com' } };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await benchAlerts()) console.log(JSON.stringify(figure));
}
