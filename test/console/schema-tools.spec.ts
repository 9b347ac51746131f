import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Labeller, labelsFor, withoutEmptyGroups } from '../../console/src/forms/schema-tools';

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

describe('labelsFor (the labels of a message form)', () => {
  const schema = (type: string): unknown =>
    JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'schemas', `${type}.schema.json`), 'utf8'));
  const en = (file: string) =>
    JSON.parse(readFileSync(join(__dirname, '..', '..', 'console', 'src', 'i18n', file), 'utf8'));
  const ui = en('ui.en.json') as { field: Record<string, string> };
  const codes = en('codes.en.json') as Record<string, Record<string, string>>;
  const labels: Labeller = {
    field: (name) => ui.field[name] ?? `?${name}`,
    code: (kind, code) => codes[kind]?.[code] ?? `?${kind}.${code}`,
  };

  it('labels a witness’s answer: its fields, the way of testifying and the protection measures', () => {
    const ui = labelsFor(schema('WITNESS_APPEARANCE_RESPONSE'), labels) as Record<
      string,
      Record<string, unknown>
    >;
    expect(ui.remoteFrom['ui:title']).toBe('Testifying from (country)');
    expect(ui.appearanceMode['ui:enumNames']).toMatchObject({ VIDEO_LINK: 'By video link' });
    expect(ui.protectionMeasuresRequested['ui:enumNames']).toMatchObject({
      SCREENING_FROM_DEFENDANT: 'Screened from the defendant',
    });
    expect(ui.protectionMeasuresRequested['ui:widget']).toBe('checkboxes');
  });

  it('labels an offender’s release inside a proceedings status, and the outcomes shared by name by their values', () => {
    const status = labelsFor(schema('PROCEEDINGS_STATUS'), labels) as Record<string, Record<string, unknown>>;
    expect(status.event['ui:enumNames']).toMatchObject({ OFFENDER_RELEASED: 'Offender released' });
    const release = status.release as Record<string, Record<string, unknown>>;
    expect(release.releaseKind['ui:enumNames']).toMatchObject({ CONDITIONAL_RELEASE: 'Conditional release' });
    const search = labelsFor(schema('MISSING_PERSON_SEARCH_RESULT'), labels) as Record<
      string,
      Record<string, unknown>
    >;
    expect(search.outcome['ui:enumNames']).toMatchObject({ FOUND_SAFE: 'Found safe' });
    const travel = labelsFor(schema('TRAVEL_DOCUMENT_RESULT'), labels) as Record<
      string,
      Record<string, unknown>
    >;
    expect(travel.outcome['ui:enumNames']).toMatchObject({ ISSUED: 'Issued' });
    expect(JSON.stringify([status, search, travel])).not.toContain('?');
  });
});
