// Performance marks the UI benchmark reads (test/bench/ui.ts): "<name>:data" when an answer arrives,
// "<name>:rendered" once the page showing it has been painted. Cheap, and harmless in normal use.
import { useEffect } from 'react';

export function markDataArrived(name: string): void {
  performance.mark(`${name}:data`);
}

/** Marks "<name>:rendered" after the first paint that shows `data` (each time `data` changes). */
export function useRenderedMark(name: string, data: unknown): void {
  useEffect(() => {
    if (data === null || data === undefined) return;
    // The frame after the commit is the one the user sees.
    const frame = requestAnimationFrame(() => setTimeout(() => performance.mark(`${name}:rendered`), 0));
    return () => cancelAnimationFrame(frame);
  }, [name, data]);
}
