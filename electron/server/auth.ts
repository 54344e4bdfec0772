// Who may talk to `backup-health serve`: a request must be addressed to this server by its own name (Host: a
// DNS-rebinding page cannot claim it), come from its own pages when it comes from a page at all (Origin: no
// cross-site calls), and carry the token, as a cookie (the browser) or a bearer header (scripts).
// Pure functions; server.ts applies them to every request.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Cookies ignore ports: two servers on one machine (or a restart on another port) each need their own name. */
export function tokenCookieName(port: number): string {
  return `backup-health-token-${port}`;
}

/** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; a session cookie, as the token is per run. */
export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function sameToken(given: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The only names this server answers to. */
export function ownHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function isOwnHost(host: string | undefined, port: number): boolean {
  return host !== undefined && ownHosts(port).includes(host.toLowerCase());
}

/** No Origin is fine (a typed URL, a script, a same-origin GET); any other page's origin, or "null", is not. */
export function isOwnOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return ownHosts(port).some((host) => origin.toLowerCase() === `http://${host}`);
}

/** Every token the request presents: the Authorization bearer and each cookie of this port's name. */
export function presentedTokens(headers: IncomingHttpHeaders, port: number): string[] {
  const tokens: string[] = [];
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) tokens.push(bearer[1]!);
  const name = `${tokenCookieName(port)}=`;
  for (const part of (headers.cookie ?? '').split(';')) {
    const cookie = part.trim();
    if (cookie.startsWith(name)) tokens.push(cookie.slice(name.length));
  }
  return tokens;
}

export function isAuthorized(headers: IncomingHttpHeaders, port: number, token: string): boolean {
  // Check every candidate, not just the first: a stale cookie from an earlier run must not hide a good bearer.
  let ok = false;
  for (const given of presentedTokens(headers, port)) ok = sameToken(given, token) || ok;
  return ok;
}
