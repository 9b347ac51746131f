import { examplePayload } from '../messages/examples';
import { CODE_FIELDS, pseudonym, pseudonymise, pseudonymKey } from './pseudonyms';

describe('auditor pseudonyms', () => {
  const key = pseudonymKey('a-test-secret-of-at-least-32-characters');

  it('are stable for a value, differ between values and between nodes’ secrets', () => {
    expect(pseudonym(key, 'Ana Petrovska')).toBe(pseudonym(key, 'Ana Petrovska'));
    expect(pseudonym(key, 'Ana Petrovska')).toMatch(/^pseud:[0-9a-f]{8}$/);
    expect(pseudonym(key, 'Ana Petrovska')).not.toBe(pseudonym(key, 'Ana Petrovski'));
    expect(pseudonym(key, 17)).not.toBe(pseudonym(key, '17'));
    const other = pseudonymKey('another-secret-of-at-least-32-characters');
    expect(pseudonym(other, 'Ana Petrovska')).not.toBe(pseudonym(key, 'Ana Petrovska'));
  });

  it('leave no string or number of a referral readable except the listed codes', () => {
    const payload = examplePayload('REFERRAL_REQUEST') as unknown as Record<string, unknown>;
    const out = pseudonymise(key, payload) as Record<string, unknown>;
    const leaves = (value: unknown, field?: string): Array<[string | undefined, unknown]> =>
      Array.isArray(value)
        ? value.flatMap((item) => leaves(item, field))
        : value && typeof value === 'object'
          ? Object.entries(value).flatMap(([name, inner]) => leaves(inner, name))
          : [[field, value]];
    const readable = leaves(out).filter(
      ([field, value]) =>
        (typeof value === 'string' || typeof value === 'number') &&
        !String(value).startsWith('pseud:') &&
        !CODE_FIELDS.has(field ?? ''),
    );
    expect(readable).toEqual([]);
    expect(out.requestedSop).toBe(payload.requestedSop);
    expect(JSON.stringify(out)).not.toContain(
      (payload.person as { givenName?: string }).givenName ?? '\u0000',
    );
    // The shape is kept, so an auditor sees which fields were filled in.
    expect(Object.keys(out).sort()).toEqual(Object.keys(payload).sort());
  });

  it('keep a code field readable only when its value is a code, not free text', () => {
    const evidence = pseudonymise(key, examplePayload('EVIDENCE_REQUEST')) as Record<string, unknown>;
    expect(evidence.purpose).toMatch(/^pseud:[0-9a-f]{8}$/);
    const update = pseudonymise(key, { status: 'assistance ongoing in Lyon', outcome: 'RETURNED' }) as Record<
      string,
      unknown
    >;
    expect(update).toEqual({ status: pseudonym(key, 'assistance ongoing in Lyon'), outcome: 'RETURNED' });
    const mixed = pseudonymise(key, { exploitationTypes: ['SEXUAL', 'she was sold twice'], level: 3 });
    expect(mixed).toEqual({ exploitationTypes: ['SEXUAL', pseudonym(key, 'she was sold twice')], level: 3 });
    expect(pseudonymise(key, { purpose: 'RETURN' })).toEqual({ purpose: 'RETURN' });
  });
});
