import { withoutEmptyGroups } from '../../console/src/forms/schema-tools';

describe('withoutEmptyGroups (what the console sends of a form)', () => {
  it('leaves out optional groups left blank, at any depth, and keeps every value and list', () => {
    expect(
      withoutEmptyGroups({
        estimatedDeparture: '2026-12-20T09:30:00Z',
        travel: { mode: 'AIR', escort: false, details: undefined },
        bestInterests: {},
        receivingOrganisation: { name: 'Centre', contact: {} },
        notes: '',
        countries: [],
        steps: [{}, { done: true }],
      }),
    ).toEqual({
      estimatedDeparture: '2026-12-20T09:30:00Z',
      travel: { mode: 'AIR', escort: false },
      receivingOrganisation: { name: 'Centre' },
      notes: '',
      countries: [],
      steps: [{}, { done: true }],
    });
  });

  it('keeps the payload itself, even when empty, and leaves scalars and null as they are', () => {
    expect(withoutEmptyGroups({})).toEqual({});
    expect(withoutEmptyGroups({ a: null, b: 0, c: false })).toEqual({ a: null, b: 0, c: false });
    expect(withoutEmptyGroups('text')).toBe('text');
  });
});
