// Plain-text tables and status words for the terminal. Colour only on a TTY, and never with NO_COLOR.
import type { Status } from '../../shared/model';

const COLOURS: Record<Status, string> = { ok: '32', warning: '33', critical: '31', unknown: '35' };

export function useColour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

export function statusWord(status: Status, colour: boolean): string {
  const word = status.toUpperCase();
  return colour ? `\x1b[${COLOURS[status]}m${word}\x1b[0m` : word;
}

const visibleLength = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length;

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
