// What every renderer test needs from jsdom: unmounting between tests (vitest runs without globals, so
// Testing Library cannot register it itself) and a ResizeObserver, which jsdom lacks.
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

class ResizeObserverStub {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;

afterEach(() => {
  cleanup();
  window.location.hash = '';
});
