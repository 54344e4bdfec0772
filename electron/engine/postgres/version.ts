// PostgreSQL major versions as numbers, read once here for every caller (probes, rules, drills). Before 10 a
// major was two numbers: 9.6 is kept as 9.6, which still sorts below 10 and prints as PostgreSQL names it.

/** "15.18 (Debian 15.18-0+deb12u1)" -> 15, "9.6.24" -> 9.6, "17beta1" -> 17; undefined when there is no version. */
export function majorOfVersion(text: string | null | undefined): number | undefined {
  const m = /(\d+)(?:\.(\d+))?/.exec(text ?? '');
  if (!m) return undefined;
  const first = Number(m[1]);
  return first < 10 && m[2] !== undefined ? Number(`${first}.${m[2]}`) : first;
}

/** server_version_num: 150018 -> 15, 90624 -> 9.6. */
export function majorOfVersionNum(versionNum: number): number {
  const first = Math.floor(versionNum / 10_000);
  return versionNum >= 100_000 ? first : Number(`${first}.${Math.floor(versionNum / 100) % 100}`);
}
