import { describe, expect, it } from 'vitest';
import { placeProblems } from '../../../renderer/settings/field-problems';

const fields = ['id', 'maxAge', 'standbys', 'drill.jobs', 'drill.checks', 'drill.checks[0].sql'];

describe('placeProblems', () => {
  it('puts a problem beside its field, or its nearest parent field', () => {
    const placed = placeProblems(
      [
        { path: 'maxAge', message: 'not a duration' },
        { path: 'drill.jobs', message: 'expected number' },
        { path: 'standbys[1]', message: 'too short' },
        { path: 'drill.checks[0].sql', message: 'empty' },
        { path: 'drill.checks[1].sql', message: 'also empty' },
        { path: 'maxAge', message: 'second' },
      ],
      fields,
    );
    expect(Object.fromEntries(placed.byField)).toEqual({
      maxAge: ['not a duration', 'second'],
      'drill.jobs': ['expected number'],
      standbys: ['too short'],
      'drill.checks[0].sql': ['empty'],
      'drill.checks': ['also empty'],
    });
    expect(placed.general).toEqual([]);
  });

  it('keeps the rest for the top: the whole source, unknown keys, other sources', () => {
    const general = [
      { path: '', message: 'the source must be a mapping' },
      { path: 'maxage', message: 'unknown key (did you mean maxAge?)' },
      { path: 'maxAgeing', message: 'unknown key' },
      { path: 'sources[0].database', message: 'links to nothing' },
    ];
    expect(placeProblems(general, fields)).toEqual({ byField: new Map(), general });
  });
});
