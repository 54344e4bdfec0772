// Thinning a list for a chart: at most `max` items, evenly spread, always keeping the ones `keep` marks (failures
// stand out) and the last. The source page and the database page use it for backups and drills.

/** At most `max` items, evenly spread, always keeping the ones `keep` marks (failures stand out). */
export function thin<T>(items: T[], max: number, keep: (item: T) => boolean): T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  return items.filter((item, i) => keep(item) || Math.floor(i / step) !== Math.floor((i - 1) / step) || i === items.length - 1);
}
