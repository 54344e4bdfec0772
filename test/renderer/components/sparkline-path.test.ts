import { describe, expect, it } from 'vitest';
import { sparklinePath } from '../../../renderer/components/sparkline-path';

describe('sparklinePath', () => {
  it('is empty without values', () => {
    expect(sparklinePath([], 100, 20)).toBe('');
  });

  it('spreads values across the width with zero at the bottom', () => {
    expect(sparklinePath([10, 5, 0], 100, 20, 0)).toBe('M0,0L50,10L100,20');
  });

  it('plunges to the floor for a dump of a few bytes among gigabytes', () => {
    const path = sparklinePath([5e9, 5.1e9, 20], 100, 20, 1);
    expect(path.endsWith('L99,19')).toBe(true);
    expect(path.startsWith('M1,1.4')).toBe(true);
  });

  it('draws one value as a flat line, and all zeros along the bottom', () => {
    expect(sparklinePath([7], 100, 20, 0)).toBe('M0,0L100,0');
    expect(sparklinePath([0, 0], 100, 20, 0)).toBe('M0,20L100,20');
  });
});
