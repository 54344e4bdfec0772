// `serve --open`: the browser gets the token without it ever being on a command line, which every local user
// can read (ps, /proc/*/cmdline). As Jupyter does, the URL goes into a small page in a private directory
// (0700, the page 0600) that sends the browser on to it, and the browser is given that file's path. The page
// is removed once the browser has had time to read it, and at the latest when serve stops.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFailure, run } from '../engine/exec';

/** Long enough for a browser to start cold on a busy desktop; the URL printed on stdout works after that. */
export const SIGN_IN_PAGE_LIFETIME_MS = 120_000;

export interface SignInPage {
  /** The page to open: it carries the token, so only its owner can read it. */
  path: string;
  remove(): void;
}

/** Writes the page that sends a browser to `url` (the URL with ?token=), readable by this user only. */
export function writeSignInPage(url: string, parentDir: string = tmpdir()): SignInPage {
  // mkdtemp makes the directory 0700 whatever the umask; 'wx' never writes through a file planted beforehand.
  const dir = mkdtempSync(join(parentDir, 'backup-health-open-'));
  const path = join(dir, 'open-dashboard.html');
  writeFileSync(path, signInHtml(url), { mode: 0o600, flag: 'wx' });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A meta refresh (no script needed) and a link for a browser that ignores it; no referrer either way. */
export function signInHtml(url: string): string {
  const href = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">',
    `<meta http-equiv="refresh" content="0;url=${href}">`,
    '<title>Backup Health</title></head>',
    `<body><p><a href="${href}">Open the Backup Health dashboard</a></p></body></html>`,
    '',
  ].join('\n');
}

/**
 * The command that opens `target` (a file path), as an argument array: $BROWSER when set (its first entry;
 * `%s` stands for the target, else it goes last, as xdg-open and Python's webbrowser read it), else the
 * platform's opener: xdg-open, open, or cmd's start (its "" is the window title).
 */
export function browserOpener(target: string, platform: NodeJS.Platform = process.platform, browser = process.env.BROWSER): [string, string[]] {
  const entry = browser?.split(platform === 'win32' ? ';' : ':').find((e) => e.trim() !== '');
  if (entry) {
    const [command, ...args] = entry.trim().split(/\s+/) as [string, ...string[]];
    return args.some((a) => a.includes('%s')) ? [command, args.map((a) => a.replace(/%s/g, target))] : [command, [...args, target]];
  }
  if (platform === 'darwin') return ['open', [target]];
  if (platform === 'win32') return ['cmd', ['/c', 'start', '', target]];
  return ['xdg-open', [target]];
}

/** Opens the dashboard at `url` in a browser; returns the page so serve can remove it when it stops. */
export function openInBrowser(url: string): SignInPage {
  const page = writeSignInPage(url);
  const removeLater = setTimeout(() => page.remove(), SIGN_IN_PAGE_LIFETIME_MS);
  removeLater.unref();
  // Also on the way out of any exit (a second Ctrl-C skips serve's clean stop).
  process.once('exit', page.remove);
  const [command, args] = browserOpener(page.path);
  // Without a desktop session xdg-open may run the browser in the foreground: never time it out (the longest
  // timer Node allows), since the timeout would kill the browser with it.
  void run(command, args, { timeoutMs: 2_147_483_647, maxOutputBytes: 64 * 1024 }).then((result) => {
    if (result.spawnError || (result.code !== 0 && result.code !== null)) {
      process.stderr.write(`backup-health: could not open a browser (${describeFailure(result, command)}); open the URL yourself.\n`);
    }
  });
  return {
    path: page.path,
    remove() {
      clearTimeout(removeLater);
      process.off('exit', page.remove);
      page.remove();
    },
  };
}
