import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatePayload } from './catalogue';
import { examplePayload, EXAMPLES_WRITTEN_FOR } from './examples';
import { EXTENSION_TYPES, isMessageType, MESSAGE_TYPES } from './message-types';

/** docs/examples: `<type in kebab case>.json` is the type's example; `<type>.<variant>.json` another one. */
const DOCS_EXAMPLES = join(__dirname, '..', '..', 'docs', 'examples');
const typeOfFile = (file: string): string => file.split('.')[0].toUpperCase().replace(/-/g, '_');

const DAY_MS = 86_400_000;
const later = (days: number): Date =>
  new Date(EXAMPLES_WRITTEN_FOR.getTime() + days * DAY_MS + 5 * 3_600_000);

describe('example payloads', () => {
  it('keep their dates as written on the day they were written for', () => {
    const referral = examplePayload('REFERRAL_REQUEST', EXAMPLES_WRITTEN_FOR);
    expect(referral.person.dateOfBirth).toBe('2009-03-14');
    expect(referral.estimatedDeparture).toBe('2026-12-05T09:30:00+01:00');
    expect(examplePayload('RISK_ASSESSMENT_RESULT', EXAMPLES_WRITTEN_FOR).assessedAt).toBe(
      '2026-11-28T10:00:00.000Z',
    );
  });

  it('move every date by whole days with the clock, keeping times, offsets and the story', () => {
    const referral = examplePayload('REFERRAL_REQUEST', later(400));
    expect(referral.person.dateOfBirth).toBe('2010-04-18'); // still 17
    expect(referral.estimatedDeparture).toBe('2028-01-09T09:30:00+01:00'); // still four days ahead
    expect(examplePayload('RISK_ASSESSMENT_RESULT', later(400)).validUntil).toBe('2028-03-03T10:00:00.000Z');
    // Not a date: left alone.
    expect(examplePayload('AUDIT_CHECKPOINT', later(400)).headHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([0, 1, 365, 3650])('stay valid %i days later, for every type', (days) => {
    for (const type of MESSAGE_TYPES) {
      const checked = validatePayload(type, examplePayload(type, later(days)), {
        legalBasis: 'CONSENT',
        sentAt: later(days).toISOString(),
      });
      expect({ type, errors: checked.ok ? [] : checked.errors }).toEqual({ type, errors: [] });
    }
  });

  it('are fresh copies', () => {
    const first = examplePayload('REFERRAL_REQUEST');
    first.person.givenName = 'changed';
    expect(examplePayload('REFERRAL_REQUEST').person.givenName).toBe('Ana');
  });

  describe('in docs/examples (what a partner or an agency sends as a payload file)', () => {
    const files = readdirSync(DOCS_EXAMPLES).filter((file) => file.endsWith('.json'));

    it('has one for every extension type, each named after its type', () => {
      expect(files.map(typeOfFile).filter((type) => !isMessageType(type))).toEqual([]);
      expect(EXTENSION_TYPES.filter((type) => !files.map(typeOfFile).includes(type))).toEqual([]);
    });

    it.each(files)('%s is valid, and the type’s own example is the catalogue’s as written', (file) => {
      const type = typeOfFile(file);
      if (!isMessageType(type)) throw new Error(`${file}: not a message type`);
      const payload = JSON.parse(readFileSync(join(DOCS_EXAMPLES, file), 'utf8')) as unknown;
      const checked = validatePayload(type, payload, { legalBasis: 'CONSENT' });
      expect({ file, errors: checked.ok ? [] : checked.errors }).toEqual({ file, errors: [] });
      if (file.split('.').length === 2) expect(payload).toEqual(examplePayload(type, EXAMPLES_WRITTEN_FOR));
    });
  });
});
