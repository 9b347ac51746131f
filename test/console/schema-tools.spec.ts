import { labelsFor, withoutEmptyGroups } from '../../console/src/forms/schema-tools';

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

describe('labelsFor (the uiSchema every generated form gets)', () => {
  const labels = { field: (name: string) => name, code: (_kind: string, code: string) => code };

  it('offers a risk factor code as a choice, in the protocol payload and in the request DTO alike', () => {
    for (const code of [
      { type: 'string', pattern: '^RF-(0[1-9]|1\\d|20)$' },
      {
        type: 'string',
        pattern: '^RF-(0[1-9]|1\\d|20)$',
        description: 'the request DTO, as the build inlines it',
      },
    ]) {
      const schema = {
        type: 'object',
        properties: { factors: { type: 'array', items: { $ref: '#/definitions/Factor' } } },
        definitions: { Factor: { type: 'object', properties: { code, status: { type: 'string' } } } },
      };
      const ui = labelsFor(schema, labels) as { factors: { items: Record<string, Record<string, unknown>> } };
      expect(ui.factors.items.code['ui:widget']).toBe('riskFactor');
      expect(ui.factors.items.status['ui:widget']).toBeUndefined();
    }
    // Any other code stays what its schema says.
    const other = labelsFor(
      { type: 'object', properties: { code: { type: 'string', example: 'RF-01' } } },
      labels,
    ) as Record<string, Record<string, unknown>>;
    expect(other.code['ui:widget']).toBeUndefined();
  });
});
