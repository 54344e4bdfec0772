import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseDuration, parsePercent, parseSize } from '../../../shared/units';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['26h', 93_600_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
    ['2w', 1_209_600_000],
    ['250ms', 250],
    ['1y', 365 * 86_400_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['26 hours', '26', 'h', '', '-5m', '5 minutes', '1 year', '1e3s'])('rejects %j', (text) => expect(parseDuration(text)).toBeNull());
});

describe('parseSize', () => {
  it.each([
    ['1MB', 1024 ** 2],
    ['5GB', 5 * 1024 ** 3],
    ['500kB', 500 * 1024],
    ['2GiB', 2 * 1024 ** 3],
    ['100', 100],
    ['0.5 TB', 0.5 * 1024 ** 4],
  ])('%s is %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(['5 gigs', 'MB', '', '1XB'])('rejects %j', (text) => expect(parseSize(text)).toBeNull());
});

it('parsePercent', () => {
  expect(parsePercent('5%')).toBeCloseTo(0.05);
  expect(parsePercent('5')).toBeNull();
});

describe('formatDuration', () => {
  it.each([
    [500, '500ms'],
    [90_000, '1m 30s'],
    [93_600_000, '1d 2h'],
    [3 * 86_400_000, '3d'],
    [3_600_000 + 5_000, '1h'],
    [-120_000, '-2m'],
  ])('%d ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [14, '14 bytes'],
    [1536, '1.5 kB'],
    [5 * 1024 ** 3, '5.0 GB'],
    [300 * 1024 ** 2, '300 MB'],
  ])('%d reads %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});
