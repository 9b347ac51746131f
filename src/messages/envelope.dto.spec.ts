import { readVectors } from '../../test/vectors/vectors';
import { EnvelopeValidation, FieldError, validateEnvelope } from './catalogue';
import { Envelope, envelopeRuleErrors } from './envelope.dto';
import { RejectionCode } from './rejection-codes';

const SECRET = 'Petrovska-SECRET';

/** The envelope of the shared test vectors: a REFERRAL_REQUEST from FR to MK under CONSENT. */
const VECTOR_ENVELOPE = readVectors<{ envelope: Envelope }>().envelope;

type Overrides = Record<string, unknown>;

function envelope(overrides: Overrides = {}): Record<string, unknown> {
  const base = structuredClone(VECTOR_ENVELOPE) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}

/** A technical envelope (no consent, legal basis NONE) answering the vector's message. */
function technical(type: string, overrides: Overrides = {}): Record<string, unknown> {
  return envelope({
    type,
    from: 'MK',
    to: 'FR',
    legalBasis: 'NONE',
    consent: undefined,
    inReplyTo: VECTOR_ENVELOPE.id,
    ...overrides,
  });
}

function failure(input: unknown): { code: RejectionCode; errors: FieldError[] } {
  const result: EnvelopeValidation = validateEnvelope(input);
  if (result.ok) throw new Error('expected the envelope to be rejected');
  return { code: result.code, errors: result.errors };
}

function paths(input: unknown): string[] {
  return failure(input).errors.map((error) => error.path);
}

describe('validateEnvelope', () => {
  it('accepts the envelope of the shared test vectors and returns it unchanged', () => {
    const input = envelope();
    const result = validateEnvelope(input);
    expect(result).toEqual({ ok: true, envelope: VECTOR_ENVELOPE });
    expect(result.ok && result.envelope).toBe(input);
  });

  it.each([null, undefined, [], 'envelope', 1, true])('rejects %j as SCHEMA_INVALID', (input) => {
    expect(failure(input)).toEqual({
      code: RejectionCode.SCHEMA_INVALID,
      errors: [{ path: '', constraints: ['isObject: the envelope must be a JSON object'] }],
    });
  });

  it.each([2, 0, '1', 1.0000001, null, undefined])('rejects version %j as UNSUPPORTED_VERSION', (version) => {
    expect(failure(envelope({ version }))).toEqual({
      code: RejectionCode.UNSUPPORTED_VERSION,
      errors: [{ path: 'version', constraints: ['isSupportedVersion: only version 1 is supported'] }],
    });
  });

  it.each(['REFERRAL_REQUESTS', 'referral_request', 'toString', '', 7, undefined])(
    'rejects type %j as UNKNOWN_TYPE',
    (type) => {
      expect(failure(envelope({ type }))).toEqual({
        code: RejectionCode.UNKNOWN_TYPE,
        errors: [{ path: 'type', constraints: ['isKnownType: type is not a TRM v1 message type'] }],
      });
    },
  );

  it('checks the version before the type, and both before the schema', () => {
    expect(failure(envelope({ version: 2, type: 'NOPE', id: 'x' })).code).toBe(
      RejectionCode.UNSUPPORTED_VERSION,
    );
    expect(failure(envelope({ type: 'NOPE', id: 'x' })).code).toBe(RejectionCode.UNKNOWN_TYPE);
  });

  describe('fields (SCHEMA_INVALID, reported at their path)', () => {
    it.each<[string, Overrides, string, string]>([
      ['an id that is not a UUID', { id: 'msg-1' }, 'id', 'isUuid'],
      ['a lower-case sender', { from: 'fr' }, 'from', 'matches'],
      ['a three-letter recipient', { to: 'MKD' }, 'to', 'matches'],
      ['a caseRef with a two-digit year', { caseRef: 'TRM-FR-26-000123' }, 'caseRef', 'isCaseRefOrNull'],
      ['a caseRef with lower-case country', { caseRef: 'TRM-fr-2026-000123' }, 'caseRef', 'isCaseRefOrNull'],
      ['a caseRef with five digits', { caseRef: 'TRM-FR-2026-12345' }, 'caseRef', 'isCaseRefOrNull'],
      ['a numeric caseRef', { caseRef: 123 }, 'caseRef', 'isCaseRefOrNull'],
      ['a missing caseRef', { caseRef: undefined }, 'caseRef', 'isCaseRefOrNull'],
      ['a missing inReplyTo', { inReplyTo: undefined }, 'inReplyTo', 'isReplyIdOrNull'],
      ['an over-long inReplyTo', { inReplyTo: 'x'.repeat(201) }, 'inReplyTo', 'isReplyIdOrNull'],
      ['a sentAt without offset', { sentAt: '2026-11-23T10:15:00' }, 'sentAt', 'isDateTime'],
      ['a sentAt that is only a date', { sentAt: '2026-11-23' }, 'sentAt', 'isDateTime'],
      ['an unknown legal basis', { legalBasis: 'LEGITIMATE_INTEREST' }, 'legalBasis', 'isIn'],
      ['a null consent', { consent: null }, 'consent', 'isObject'],
      ['a missing sealed payload', { sealed: undefined }, 'sealed', 'isObject'],
      [
        'the payload in clear',
        { payload: { person: { givenName: 'Ana' } } },
        'payload',
        'whitelistValidation',
      ],
      ['an unknown top-level field', { priority: 'high' }, 'priority', 'whitelistValidation'],
    ])('rejects %s', (_name, overrides, path, constraint) => {
      const { code, errors } = failure(envelope(overrides));
      expect(code).toBe(RejectionCode.SCHEMA_INVALID);
      const atPath = errors.find((error) => error.path === path);
      expect(atPath?.constraints.map((c) => c.split(':')[0])).toContain(constraint);
    });

    it.each<[string, (env: Envelope) => void, string, string]>([
      ['another algorithm', (env) => (env.sealed.alg = 'RSA-OAEP' as never), 'sealed.alg', 'equals'],
      ['a short iv', (env) => (env.sealed.iv = 'AAAA'), 'sealed.iv', 'matches'],
      ['a non-base64 tag', (env) => (env.sealed.tag = '!'.repeat(22) + '=='), 'sealed.tag', 'matches'],
      ['a url-safe tag', (env) => (env.sealed.tag = '-_' + 'A'.repeat(20) + '=='), 'sealed.tag', 'matches'],
      ['a 31-byte epk', (env) => (env.sealed.epk = 'A'.repeat(42) + '=='), 'sealed.epk', 'matches'],
      ['a 33-byte epk', (env) => (env.sealed.epk = 'A'.repeat(44)), 'sealed.epk', 'matches'],
      // Non-zero unused bits before the padding: the same bytes, spelt another way.
      ['a non-canonical epk', (env) => (env.sealed.epk = 'A'.repeat(42) + 'B='), 'sealed.epk', 'matches'],
      ['a non-canonical tag', (env) => (env.sealed.tag = 'A'.repeat(21) + 'B=='), 'sealed.tag', 'matches'],
      ['an empty ciphertext', (env) => (env.sealed.ct = ''), 'sealed.ct', 'isLength'],
      [
        'an unknown sealed field',
        (env) => Object.assign(env.sealed, { aad: 'x' }),
        'sealed.aad',
        'whitelistValidation',
      ],
      ['an unknown scope', (env) => (env.consent!.scopes = ['SHARE_ALL' as never]), 'consent.scopes', 'isIn'],
      ['no scope', (env) => (env.consent!.scopes = []), 'consent.scopes', 'arrayMinSize'],
      ['no recipient', (env) => (env.consent!.recipients = []), 'consent.recipients', 'arrayMinSize'],
      [
        'a parent as consent giver',
        (env) => (env.consent!.givenBy = 'PARENT' as never),
        'consent.givenBy',
        'isIn',
      ],
      [
        'an unknown consent field',
        (env) => Object.assign(env.consent!, { note: 'x' }),
        'consent.note',
        'whitelistValidation',
      ],
    ])('rejects %s', (_name, change, path, constraint) => {
      const input = envelope() as unknown as Envelope;
      change(input);
      const { code, errors } = failure(input);
      expect(code).toBe(RejectionCode.SCHEMA_INVALID);
      const atPath = errors.find((error) => error.path === path);
      expect(atPath?.constraints.map((c) => c.split(':')[0])).toContain(constraint);
    });

    it('accepts a version-4 UUID id and a ciphertext at the size limit', () => {
      const input = envelope({ id: '3f1c2b9e-8a4d-4c1e-9b7a-2d5e6f708192' }) as unknown as Envelope;
      input.sealed.ct = 'A'.repeat(400 * 1024);
      expect(validateEnvelope(input).ok).toBe(true);
      input.sealed.ct = 'A'.repeat(400 * 1024 + 4);
      expect(paths(input)).toEqual(['sealed.ct']);
    });
  });

  describe('legal basis rules', () => {
    it.each<[string, Overrides, string[]]>([
      ['CONSENT without consent', { consent: undefined }, ['consent']],
      ['VITAL_INTEREST for a referral', { legalBasis: 'VITAL_INTEREST' }, ['legalBasis']],
      ['NONE for a referral', { legalBasis: 'NONE', consent: undefined }, ['legalBasis']],
      ['NONE for a referral, with consent', { legalBasis: 'NONE' }, ['legalBasis', 'consent']],
    ])('rejects %s', (_name, overrides, expected) => {
      expect(failure(envelope(overrides)).code).toBe(RejectionCode.SCHEMA_INVALID);
      expect(paths(envelope(overrides))).toEqual(expected);
    });

    it('accepts VITAL_INTEREST for an emergency alert, with or without a consent summary', () => {
      expect(validateEnvelope(envelope({ type: 'EMERGENCY_ALERT', legalBasis: 'VITAL_INTEREST' })).ok).toBe(
        true,
      );
      expect(
        validateEnvelope(
          envelope({ type: 'EMERGENCY_ALERT', legalBasis: 'VITAL_INTEREST', consent: undefined }),
        ).ok,
      ).toBe(true);
    });

    it.each(['DELIVERY_RECEIPT', 'DELIVERY_REJECTED'])('accepts a %s under NONE without consent', (type) => {
      expect(validateEnvelope(technical(type)).ok).toBe(true);
    });

    it.each<[string, Overrides, string[]]>([
      [
        'a receipt under CONSENT',
        { legalBasis: 'CONSENT', consent: VECTOR_ENVELOPE.consent },
        ['legalBasis'],
      ],
      ['a receipt under VITAL_INTEREST', { legalBasis: 'VITAL_INTEREST' }, ['legalBasis']],
      ['a receipt carrying consent', { consent: VECTOR_ENVELOPE.consent }, ['consent']],
    ])('rejects %s: technical types carry no personal data', (_name, overrides, expected) => {
      expect(paths(technical('DELIVERY_RECEIPT', overrides))).toEqual(expected);
    });

    it('rejects a consent that expires before it was given', () => {
      const consent = { ...VECTOR_ENVELOPE.consent, expiresAt: '2026-11-21T09:00:00.000Z' };
      expect(paths(envelope({ consent }))).toEqual(['consent.expiresAt']);
      expect(
        validateEnvelope(envelope({ consent: { ...consent, expiresAt: '2027-11-22T09:00:00Z' } })).ok,
      ).toBe(true);
    });
  });

  describe('caseRef and inReplyTo rules', () => {
    it('accepts an AUDIT_CHECKPOINT with a null caseRef and nothing to reply to', () => {
      expect(validateEnvelope(technical('AUDIT_CHECKPOINT', { caseRef: null, inReplyTo: null })).ok).toBe(
        true,
      );
    });

    it.each<[string, Overrides, string[]]>([
      ['with a caseRef', { inReplyTo: null }, ['caseRef']],
      ['replying to a message', { caseRef: null }, ['inReplyTo']],
    ])('rejects an AUDIT_CHECKPOINT %s', (_name, overrides, expected) => {
      expect(paths(technical('AUDIT_CHECKPOINT', overrides))).toEqual(expected);
    });

    it('rejects a null caseRef on any other type', () => {
      expect(paths(envelope({ caseRef: null }))).toEqual(['caseRef']);
    });

    it('accepts the rejection of an unparseable body: empty caseRef, raw AMQP message_id', () => {
      const input = technical('DELIVERY_REJECTED', { caseRef: '', inReplyTo: 'amqp-msg: not a uuid/42' });
      expect(validateEnvelope(input).ok).toBe(true);
    });

    it.each<[string, string, Overrides, string[]]>([
      ['an empty caseRef on a referral', 'REFERRAL_REQUEST', { caseRef: '' }, ['caseRef']],
      ['an empty caseRef on a receipt', 'DELIVERY_RECEIPT', { caseRef: '' }, ['caseRef']],
      ['a raw message_id in a receipt', 'DELIVERY_RECEIPT', { inReplyTo: 'amqp-msg-42' }, ['inReplyTo']],
      [
        'a raw message_id in a rejection with a caseRef',
        'DELIVERY_REJECTED',
        { inReplyTo: 'amqp-msg-42' },
        ['inReplyTo'],
      ],
      ['a receipt replying to nothing', 'DELIVERY_RECEIPT', { inReplyTo: null }, ['inReplyTo']],
      ['a rejection replying to nothing', 'DELIVERY_REJECTED', { inReplyTo: null }, ['inReplyTo']],
    ])('rejects %s', (_name, type, overrides, expected) => {
      const input = type === 'REFERRAL_REQUEST' ? envelope(overrides) : technical(type, overrides);
      expect(paths(input)).toEqual(expected);
    });

    it('accepts a business reply naming the request it answers', () => {
      expect(
        validateEnvelope(
          envelope({ type: 'REFERRAL_CONFIRMATION', from: 'MK', to: 'FR', inReplyTo: VECTOR_ENVELOPE.id }),
        ).ok,
      ).toBe(true);
      expect(
        paths(envelope({ type: 'REFERRAL_CONFIRMATION', from: 'MK', to: 'FR', inReplyTo: 'nope' })),
      ).toEqual(['inReplyTo']);
    });

    it('rejects a message addressed to its own sender', () => {
      expect(paths(envelope({ to: 'FR' }))).toEqual(['to']);
    });
  });

  describe('hostile input', () => {
    it('never echoes the offending values in its errors', () => {
      const poisoned = envelope({
        id: SECRET,
        from: SECRET,
        to: SECRET,
        caseRef: SECRET,
        inReplyTo: `${SECRET}${'x'.repeat(300)}`,
        sentAt: SECRET,
        legalBasis: SECRET,
        consent: {
          consentId: `${SECRET}${'x'.repeat(300)}`,
          scopes: [SECRET],
          recipients: [SECRET],
          givenBy: SECRET,
          givenAt: SECRET,
          extra: SECRET,
        },
        sealed: {
          alg: SECRET,
          recipientKeyId: SECRET.repeat(20),
          epk: SECRET,
          iv: SECRET,
          ct: SECRET,
          tag: SECRET,
        },
        unknown: SECRET,
      });
      const { errors } = failure(poisoned);
      expect(errors.length).toBeGreaterThan(10);
      expect(JSON.stringify(errors)).not.toContain(SECRET);
    });

    it('rejects an envelope nested deeper than 16 levels', () => {
      let deep: unknown = 'x';
      for (let i = 0; i < 20; i += 1) deep = { deep };
      const { code, errors } = failure(envelope({ sealed: deep }));
      expect(code).toBe(RejectionCode.SCHEMA_INVALID);
      expect(errors[0].constraints).toEqual(['maxDepth: nested deeper than 16 levels']);
    });

    it('rejects a __proto__ key instead of letting it shape the envelope', () => {
      const input = JSON.parse(
        JSON.stringify(envelope()).replace('"sealed":', '"__proto__":{"x":1},"sealed":'),
      ) as unknown;
      expect(failure(input).errors).toEqual([
        { path: '__proto__', constraints: ['forbiddenKey: property name is not allowed'] },
      ]);
    });
  });

  it('envelopeRuleErrors is pure over a plain envelope', () => {
    expect(envelopeRuleErrors(VECTOR_ENVELOPE)).toEqual([]);
    expect(envelopeRuleErrors({ ...VECTOR_ENVELOPE, legalBasis: 'NONE' })).toEqual([
      {
        path: 'legalBasis',
        constraints: ['noneOnlyForTechnical: NONE is only allowed for technical message types'],
      },
      { path: 'consent', constraints: ['consentAbsent: consent must be absent when legalBasis is NONE'] },
    ]);
  });
});
