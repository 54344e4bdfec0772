// How the UI benchmarks time a page in Chromium: the renderer marks "<page>:data" when its answer arrives and
// "<page>:rendered" once the page showing it has been painted (renderer/hooks/useRenderTiming.ts).
import type { Page } from 'playwright-core';

/** Milliseconds from the newest "<name>:data" to the newest "<name>:rendered" mark after `act` (a reload, a click). */
export async function timeMarks(page: Page, name: string, act: () => Promise<void>): Promise<number> {
  await page.evaluate(() => performance.clearMarks());
  await act();
  await page.waitForFunction((n) => performance.getEntriesByName(`${n}:rendered`).length > 0, name, { timeout: 30_000 });
  return page.evaluate((n) => {
    const data = performance.getEntriesByName(`${n}:data`).at(-1)!.startTime;
    const rendered = performance.getEntriesByName(`${n}:rendered`).at(-1)!.startTime;
    return rendered - data;
  }, name);
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
