// Environment variables a test sets (credentials, proxies), put back as they were when it ends.

/** Remembers the variables `names` now; the returned function puts them back as they were (unset stays unset). */
export function savedEnv(names: readonly string[]): () => void {
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
