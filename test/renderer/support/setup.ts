// What every renderer test needs from jsdom: unmounting between tests (vitest runs without globals, so
// Testing Library cannot register it itself), a ResizeObserver, which jsdom lacks, and waits that outlast a
// loaded CI machine: findBy/waitFor give up after 10 s, not Testing Library's 1 s (a first render of a page with
// charts took over 1 s there). They end as soon as what they wait for shows, so a passing test is no slower.
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

class ResizeObserverStub {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;

configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  window.location.hash = '';
});
