// Plain-text tables and status words for the terminal. Colour only on a TTY, and never with NO_COLOR.
// Every cell is text from outside (source ids, backup keys, findings naming files) unless this file made
// it: a cell's control characters are written as escapes (shared/visible-text.ts), so a file name cannot
// colour the terminal, move its cursor or break a row. Only statusWord's own colour codes pass as they are.
import type { Status } from '../../shared/model';
import { visibleText } from '../../shared/visible-text';

const COLOURS: Record<Status, string> = { ok: '32', warning: '33', critical: '31', unknown: '35' };

/** A cell this file rendered itself, colour codes included: the only kind written raw. */
export interface StyledCell {
  styled: string;
}

export type Cell = string | StyledCell;

export function useColour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

export function statusWord(status: Status, colour: boolean): StyledCell {
  const word = status.toUpperCase();
  return { styled: colour ? `\x1b[${COLOURS[status]}m${word}\x1b[0m` : word };
}

/** What a cell puts on the terminal. */
export function cellText(cell: Cell): string {
  return typeof cell === 'string' ? visibleText(cell) : cell.styled;
}

const visibleLength = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length;

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: string[], rows: Cell[][]): string {
  const texts = rows.map((row) => row.map(cellText));
  const heads = header.map((h) => visibleText(h));
  const widths = heads.map((h, i) => Math.max(visibleLength(h), ...texts.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [line(heads), ...texts.map(line)].join('\n');
}
