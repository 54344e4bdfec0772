// The built renderer, served as files: index.html for `/`, the right content types, no directory listings, and
// nothing outside the renderer directory, however the path is spelled (`..`, %2e%2e, %2f, backslashes, links).
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { sendText } from './responses';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a URL path (still percent-encoded, without the query) names under `root`, or null when the path
 * is malformed or tries to leave `root`. Hidden names (`.git`, `..`, `.`) are never served.
 */
export function staticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((segment) => segment.startsWith('.'))) return null;
  const base = resolve(root);
  const file = resolve(base, `.${decoded}`);
  return file === base || file.startsWith(base + sep) ? file : null;
}

export async function serveStatic(root: string, urlPath: string, res: ServerResponse, headOnly: boolean): Promise<void> {
  const requested = staticPath(root, urlPath);
  if (requested === null) {
    sendText(res, 400, 'Bad path.');
    return;
  }
  const index = join(resolve(root), 'index.html');
  if (!(await regularFile(index))) {
    sendNotBuilt(res, root, headOnly);
    return;
  }
  // The app routes by URL fragment, so any other path is a file or nothing; a directory is nothing.
  const file = requested === resolve(root) ? index : requested;
  if (!(await regularFile(file))) {
    sendText(res, 404, 'Not found.');
    return;
  }
  // A symbolic link inside the renderer directory must not lead out of it either.
  const [realFile, realRoot] = await Promise.all([realpath(file), realpath(root)]);
  if (!realFile.startsWith(realRoot + sep)) {
    sendText(res, 404, 'Not found.');
    return;
  }
  const info = await stat(realFile);
  res.writeHead(200, { 'Content-Type': contentType(realFile), 'Content-Length': info.size, 'Cache-Control': 'no-cache' });
  if (headOnly) {
    res.end();
    return;
  }
  const stream = createReadStream(realFile);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

async function regularFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function sendNotBuilt(res: ServerResponse, root: string, headOnly: boolean): void {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backup Health: the dashboard is not built</title></head>
<body style="font: 15px/1.5 system-ui, sans-serif; margin: 3rem">
<h1>The dashboard is not built yet</h1>
<p>There is no <code>index.html</code> in <code>${escapeHtml(root)}</code>. In the Backup Health project directory, run
<code>npm run build</code>, then restart <code>backup-health serve</code>.</p>
<p>The API is up meanwhile: <code>backup-health check</code> and <code>POST /api/overview</code> work.</p>
</body></html>
`;
  res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store' });
  res.end(headOnly ? undefined : html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
