// Secrets never reach a delivery record, an error or a log: whatever text leaves a sender passes through here.
/** `text` with every secret (and its URL-encoded form) replaced by [hidden]. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // A secret of a few characters would blank out ordinary words; none of ours is that short to matter.
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[hidden]');
  }
  return out;
}

/** The parts of a URL that may be a token: the whole of it, its path and query, its password. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [url, `${parsed.pathname}${parsed.search}`.length > 1 ? `${parsed.pathname}${parsed.search}` : '', parsed.search.slice(1), decodeURIComponent(parsed.password)];
  } catch {
    return [url];
  }
}
