import { examplePayload } from '../messages/examples';
import { CODE_FIELDS, PROCESS_FLAGS, pseudonym, pseudonymise, pseudonymKey } from './pseudonyms';

describe('auditor pseudonyms', () => {
  const key = pseudonymKey('a-test-secret-of-at-least-32-characters');
  const at = { caseRef: 'TRM-FR-2026-000001', path: 'payload.person.givenName' };

  it('are stable for a value in one field of one case, differ between values and between nodes’ secrets', () => {
    expect(pseudonym(key, at, 'Ana Petrovska')).toBe(pseudonym(key, { ...at }, 'Ana Petrovska'));
    expect(pseudonym(key, at, 'Ana Petrovska')).toMatch(/^pseud:[0-9a-f]{8}$/);
    expect(pseudonym(key, at, 'Ana Petrovska')).not.toBe(pseudonym(key, at, 'Ana Petrovski'));
    expect(pseudonym(key, at, 17)).not.toBe(pseudonym(key, at, '17'));
    expect(pseudonym(key, at, true)).not.toBe(pseudonym(key, at, 'true'));
    const other = pseudonymKey('another-secret-of-at-least-32-characters');
    expect(pseudonym(other, at, 'Ana Petrovska')).not.toBe(pseudonym(key, at, 'Ana Petrovska'));
  });

  it('do not link one value across fields or cases, so one decoded pseudonym decodes nothing else', () => {
    const inCase = (caseRef: string, path: string): string => pseudonym(key, { caseRef, path }, 'MK');
    const managerCountry = inCase('TRM-FR-2026-000001', 'managers.country');
    expect(inCase('TRM-FR-2026-000001', 'payload.person.nationality')).not.toBe(managerCountry);
    expect(inCase('TRM-FR-2026-000002', 'managers.country')).not.toBe(managerCountry);
    // The path and the case are not merely concatenated with the value.
    expect(pseudonym(key, { caseRef: 'A', path: 'b.c' }, 'd')).not.toBe(
      pseudonym(key, { caseRef: 'A', path: 'b' }, 'c.d'),
    );
    const payload = { person: { nationality: 'MK' }, residenceInOrigin: { country: 'MK' } };
    const out = pseudonymise(key, payload, {
      caseRef: 'TRM-FR-2026-000001',
      path: 'payload',
    }) as typeof payload;
    expect(out.person.nationality).toBe(
      pseudonym(key, { caseRef: 'TRM-FR-2026-000001', path: 'payload.person.nationality' }, 'MK'),
    );
    expect(out.person.nationality).not.toBe(out.residenceInOrigin.country);
    // Items of a list share the list's path: the same item reads the same wherever it stands.
    const list = pseudonymise(key, { needs: ['housing', 'housing'] }, at) as { needs: string[] };
    expect(list.needs[0]).toBe(list.needs[1]);
  });

  it('leave no value of a referral readable except the listed codes and process flags', () => {
    const payload = examplePayload('REFERRAL_REQUEST') as unknown as Record<string, unknown>;
    const out = pseudonymise(key, payload, { caseRef: 'TRM-FR-2026-000001', path: 'payload' }) as Record<
      string,
      unknown
    >;
    const leaves = (value: unknown, field?: string): Array<[string | undefined, unknown]> =>
      Array.isArray(value)
        ? value.flatMap((item) => leaves(item, field))
        : value && typeof value === 'object'
          ? Object.entries(value).flatMap(([name, inner]) => leaves(inner, name))
          : [[field, value]];
    const readable = leaves(out).filter(
      ([field, value]) =>
        !String(value).startsWith('pseud:') &&
        !(typeof value === 'boolean' && PROCESS_FLAGS.has(field ?? '')) &&
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

  it('pseudonymise booleans about the person, keep the process flags an evaluator needs', () => {
    const out = pseudonymise(
      key,
      {
        medical: { needsUrgentCare: true },
        asylumClaimPending: false,
        wishToReturnToFamily: true,
        accepted: true,
      },
      at,
    ) as Record<string, unknown>;
    expect((out.medical as Record<string, unknown>).needsUrgentCare).toMatch(/^pseud:[0-9a-f]{8}$/);
    expect(out.asylumClaimPending).toMatch(/^pseud:[0-9a-f]{8}$/);
    expect(out.wishToReturnToFamily).toMatch(/^pseud:[0-9a-f]{8}$/);
    expect(out.accepted).toBe(true);
    for (const type of ['FAMILY_TRACING_REQUEST', 'RETURN_PLAN'] as const) {
      const text = JSON.stringify(pseudonymise(key, examplePayload(type), at));
      expect(text).not.toMatch(/\b(true|false)\b/);
    }
  });

  it('keep a code field readable only when its value is a code, not free text', () => {
    const evidence = pseudonymise(key, examplePayload('EVIDENCE_REQUEST'), at) as Record<string, unknown>;
    expect(evidence.purpose).toMatch(/^pseud:[0-9a-f]{8}$/);
    const update = pseudonymise(key, { status: 'assistance ongoing in Lyon', outcome: 'RETURNED' }, at);
    expect(update).toEqual({
      status: pseudonym(key, { ...at, path: `${at.path}.status` }, 'assistance ongoing in Lyon'),
      outcome: 'RETURNED',
    });
    const mixed = pseudonymise(key, { exploitationTypes: ['SEXUAL', 'she was sold twice'], level: 3 }, at);
    expect(mixed).toEqual({
      exploitationTypes: [
        'SEXUAL',
        pseudonym(key, { ...at, path: `${at.path}.exploitationTypes` }, 'she was sold twice'),
      ],
      level: 3,
    });
    expect(pseudonymise(key, { purpose: 'RETURN' }, at)).toEqual({ purpose: 'RETURN' });
  });
});
