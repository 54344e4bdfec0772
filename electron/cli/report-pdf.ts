// The PDF of a report, printed from its HTML by Chromium run directly (`--headless --print-to-pdf`), where one is
// installed: playwright-core is only a development dependency. Without one, a message naming --format html.
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeFailure, run } from '../engine/exec';
import { CliError, EXIT_UNKNOWN } from './context';

const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const PRINT_TIMEOUT_MS = 180_000;

/** The first Chromium or Chrome on PATH (BACKUP_HEALTH_CHROMIUM first, when set), or null. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.BACKUP_HEALTH_CHROMIUM) return executable(env.BACKUP_HEALTH_CHROMIUM) ? env.BACKUP_HEALTH_CHROMIUM : null;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of BROWSERS) if (executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Prints `html` to the PDF file `out`. */
export async function printPdf(html: Buffer, out: string): Promise<void> {
  const browser = findChromium();
  if (!browser) throw new CliError('--format pdf: no Chromium or Google Chrome found on PATH (chromium, google-chrome) to print the PDF with; install one (apt install chromium), or use --format html and print it from a browser', EXIT_UNKNOWN);
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-report-'));
  try {
    const page = join(dir, 'report.html');
    writeFileSync(page, html);
    const args = [
      '--headless',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${out}`,
      // Chromium will not start its sandbox as root; the page is this report, with no script and no resource to load.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      pathToFileURL(page).href,
    ];
    const result = await run(browser, args, { timeoutMs: PRINT_TIMEOUT_MS, maxOutputBytes: 64 * 1024 });
    let written = 0;
    try {
      written = statSync(out).size;
    } catch {
      // not written
    }
    if (result.code !== 0 || written === 0) throw new CliError(`--format pdf: ${browser} did not print the PDF: ${describeFailure(result)}; use --format html and print it from a browser`, EXIT_UNKNOWN);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
