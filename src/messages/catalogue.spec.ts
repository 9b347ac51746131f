import {
  FieldError,
  MAX_NESTING_DEPTH,
  PAYLOAD_CLASSES,
  payloadRuleErrors,
  validatePayload,
} from './catalogue';
import { examplePayload } from './examples';
import { MESSAGE_TYPES, MessageType } from './message-types';
import {
  isTreatedAsChild,
  referralRequestRuleErrors,
  ReferralRequestPayload,
} from './payloads/identification.dto';

type Json = Record<string, unknown> | unknown[];

const SECRET = 'Petrovska-SECRET';
const long = (n: number) => 'x'.repeat(n);

function example(type: MessageType): Record<string, unknown> {
  return examplePayload(type) as unknown as Record<string, unknown>;
}

/** Walks `a.b.0.c` to the parent of the last segment. */
function parentOf(root: Json, path: string): [Json, string] {
  const segments = path.split('.');
  const last = segments.pop()!;
  let node: unknown = root;
  for (const segment of segments) node = (node as Record<string, unknown>)[segment];
  return [node as Json, last];
}

function withValue(type: MessageType, path: string, value: unknown): Record<string, unknown> {
  const payload = example(type);
  const [parent, key] = parentOf(payload, path);
  (parent as Record<string, unknown>)[key] = value;
  return payload;
}

function without(type: MessageType, path: string): Record<string, unknown> {
  const payload = example(type);
  const [parent, key] = parentOf(payload, path);
  delete (parent as Record<string, unknown>)[key];
  return payload;
}

/** The date `years` years before `now` (YYYY-MM-DD, UTC). */
function yearsBefore(now: Date, years: number): string {
  const date = new Date(now);
  date.setUTCFullYear(date.getUTCFullYear() - years);
  return date.toISOString().slice(0, 10);
}

function errorsOf(type: MessageType, payload: unknown): FieldError[] {
  const result = validatePayload(type, payload, { legalBasis: 'CONSENT' });
  if (result.ok) throw new Error(`${type}: expected the payload to be rejected`);
  return result.errors;
}

function constraintNames(error: FieldError): string[] {
  return error.constraints.map((c) => c.split(':')[0]);
}

/** A variant: how to break the example, and where and how the break must be reported. */
interface Variant {
  name: string;
  payload: (type: MessageType) => Record<string, unknown>;
  path: string;
  constraint: string;
}

const set = (name: string, path: string, value: unknown, constraint: string, reportedAt = path): Variant => ({
  name,
  payload: (type) => withValue(type, path, value),
  path: reportedAt,
  constraint,
});
const missing = (path: string, constraint: string): Variant => ({
  name: `missing ${path}`,
  payload: (type) => without(type, path),
  path,
  constraint,
});

const INVALID: Record<MessageType, Variant[]> = {
  REFERRAL_REQUEST: [
    missing('person.givenName', 'isString'),
    set('over-long family name', 'person.familyName', long(201), 'maxLength'),
    set('empty given name', 'person.givenName', '', 'isNotEmpty'),
    set('wrong identification status', 'identificationStatus', 'VICTIM', 'isIn'),
    set('date of birth not YYYY-MM-DD', 'person.dateOfBirth', '14/03/2009', 'isDateOnly'),
    set('impossible date of birth', 'person.dateOfBirth', '2009-02-30', 'isDateOnly'),
    set('date-time as date of birth', 'person.dateOfBirth', '2009-03-14T00:00:00Z', 'isDateOnly'),
    set('no language', 'person.languages', [], 'arrayMinSize'),
    set('ISO 639-2 language', 'person.languages', ['mkd'], 'matches'),
    set('lower-case nationality', 'person.nationality', 'mk', 'matches'),
    set('null for an optional field', 'person.sex', null, 'isIn'),
    set('age as a string', 'age', '17', 'isObject'),
    set('age as an array', 'age', [{ status: 'DOCUMENTED_CHILD' }], 'isObject'),
    set('fractional age', 'age.ageNow', 17.5, 'isInt'),
    set('wrong age status', 'age.status', 'MINOR', 'isIn'),
    set('a shelter address in the placement', 'placement.address', '12 rue Secrète', 'whitelistValidation'),
    set('requested SOP 6', 'requestedSop', 6, 'isIn'),
    set('requested SOP as a string', 'requestedSop', '4', 'isIn'),
    set('duplicate exploitation type', 'exploitationTypes', ['SEXUAL', 'SEXUAL'], 'arrayUnique'),
    set('unknown exploitation type', 'exploitationTypes', ['TRAFFICKING'], 'isIn'),
    set('no assistance need', 'assistanceNeeds', [], 'arrayMinSize'),
    set('over-long assistance need', 'assistanceNeeds', [long(501)], 'maxLength'),
    set('risk level', 'riskSummary.level', 'EXTREME', 'isIn'),
    set('local time without offset', 'estimatedDeparture', '2026-12-05T09:30:00', 'isDateTime'),
    set('medical flag as a string', 'medical.needsUrgentCare', 'no', 'isBoolean'),
    set('unknown field in person', 'person.passportNumber', 'X0000000', 'whitelistValidation'),
  ],
  REFERRAL_CONFIRMATION: [
    missing('caseManager.institution', 'isString'),
    set('invalid email', 'caseManager.email', 'not-an-email', 'isEmail'),
    set('eligible as a string', 'eligible', 'yes', 'isBoolean'),
    set('assistance offered as a string', 'assistanceOffered', 'shelter', 'isArray'),
  ],
  REFERRAL_DECLINED: [
    set('over-long reason', 'reason', long(4001), 'maxLength'),
    set('empty reason', 'reason', '', 'isNotEmpty'),
  ],
  IDENTITY_VERIFICATION_REQUEST: [
    set('unknown document kind', 'documents.0.kind', 'DRIVING_LICENCE', 'isIn'),
    set('documents as an object', 'documents', { kind: 'PASSPORT' }, 'isArray'),
    set('document as a string', 'documents', ['PASSPORT'], 'nestedValidation', 'documents.0'),
    set('languages are not part of the identity subset', 'person.languages', ['mk'], 'whitelistValidation'),
    missing('person.familyName', 'isString'),
  ],
  IDENTITY_VERIFICATION_RESULT: [
    set('wrong outcome', 'outcome', 'MAYBE', 'isIn'),
    missing('outcome', 'isIn'),
  ],
  EMERGENCY_ALERT: [
    set('wrong danger', 'danger', 'HEALTH', 'isIn'),
    set('no action requested', 'immediateActionsRequested', [], 'arrayMinSize'),
    set('over-long location hint', 'locationHint', long(201), 'maxLength'),
  ],
  EMERGENCY_ALERT_ACKNOWLEDGEMENT: [
    set('wrong outcome', 'outcome', 'DONE', 'isIn'),
    set('no action listed', 'actionsTaken', [], 'arrayMinSize'),
    set('a person in the acknowledgement', 'person', { givenName: 'Ana' }, 'whitelistValidation'),
  ],
  MISSING_PERSON_SEARCH_RESULT: [
    set('wrong outcome', 'outcome', 'FOUND', 'isIn'),
    set('a shelter address in the placement', 'placement.address', '12 rue Secrète', 'whitelistValidation'),
    set('an address beside the location hint', 'address', '12 rue Secrète', 'whitelistValidation'),
    set('found without offset', 'foundAt', '2026-11-30T22:40:00', 'isDateTime'),
  ],
  CASE_UPDATE: [set('SOP 0', 'sop', 0, 'isIn'), set('summary as a number', 'summary', 42, 'isString')],
  ASSISTANCE_STEP_REPORT: [
    set('a step of SOP 4', 'sop', 4, 'isIn'),
    set('unknown step', 'step', 'HOUSING', 'isIn'),
    set('unknown step status', 'stepStatus', 'DONE', 'isIn'),
    set('date with time', 'date', '2026-11-16T08:00:00Z', 'isDateOnly'),
    set('a shelter address in the placement', 'placement.address', '12 rue Secrète', 'whitelistValidation'),
    missing('summary', 'isString'),
  ],
  TRAVEL_DOCUMENT_REQUEST: [
    missing('person.familyName', 'isString'),
    set('unknown document kind', 'documentKind', 'VISA', 'isIn'),
    set('known document as a string', 'knownDocuments', ['PASSPORT'], 'nestedValidation', 'knownDocuments.0'),
    set('needed by with time', 'neededBy', '2026-12-03T00:00:00Z', 'isDateOnly'),
  ],
  TRAVEL_DOCUMENT_RESULT: [
    set('wrong outcome', 'outcome', 'DONE', 'isIn'),
    set('the document number', 'documentNumber', 'X0000001', 'whitelistValidation'),
    set('over-long collection', 'collection', long(201), 'maxLength'),
  ],
  RISK_ASSESSMENT_REQUEST: [
    set('wrong purpose', 'purpose', 'CURIOSITY', 'isIn'),
    set('date without time', 'dueBy', '2026-11-30', 'isDateTime'),
  ],
  RISK_ASSESSMENT_RESULT: [
    set('unknown risk factor', 'factors.0.code', 'RF-21', 'matches'),
    set('risk factor RF-00', 'factors.0.code', 'RF-00', 'matches'),
    set('wrong factor status', 'factors.1.status', 'MAYBE', 'isIn'),
    set('factor as a string', 'factors.1', 'RF-04', 'nestedValidation'),
    set('duplicate factor', 'factors.1.code', 'RF-02', 'arrayUnique', 'factors'),
    set('sources of information', 'factors.0.source', 'informant', 'whitelistValidation'),
    missing('complete', 'isBoolean'),
    missing('validUntil', 'isDateTime'),
  ],
  FAMILY_TRACING_REQUEST: [
    set('no wish to return to the family', 'wishToReturnToFamily', false, 'equals'),
    missing('asylumClaimPending', 'isBoolean'),
    missing('familyMembers.0.relation', 'isString'),
  ],
  FAMILY_TRACING_RESULT: [
    set('wrong outcome', 'outcome', 'MAYBE', 'isIn'),
    set('boolean as a string', 'familyRiskAssessed', 'true', 'isBoolean'),
  ],
  RETURN_PLAN: [
    set('wrong travel mode', 'travel.mode', 'TRAIN', 'isIn'),
    set('travel as an array', 'travel', [], 'isObject'),
    set(
      'best-interests date with time',
      'bestInterestsDetermination.date',
      '2026-11-29T00:00:00Z',
      'isDateOnly',
    ),
    set('wrong best-interests outcome', 'bestInterestsDetermination.outcome', 'YES', 'isIn'),
    missing('receivingOrganisation.name', 'isString'),
  ],
  RETURN_PLAN_CONFIRMATION: [
    missing('accepted', 'isBoolean'),
    set('over-long arrangements', 'receptionArrangements', long(4001), 'maxLength'),
  ],
  ARRIVAL_CONFIRMATION: [
    set('arrival without offset', 'arrivedAt', '2026-12-05T13:05:00', 'isDateTime'),
    set('over-long receiver', 'receivedBy', long(201), 'maxLength'),
  ],
  REINTEGRATION_REQUEST: [
    set('zero months', 'durationMonths', 0, 'min'),
    set('no need', 'needs', [], 'arrayMinSize'),
  ],
  REINTEGRATION_CONFIRMATION: [missing('programme', 'isString')],
  EVIDENCE_REQUEST: [
    missing('targetsOriginAuthorities', 'isBoolean'),
    set('empty item', 'items', [''], 'isNotEmpty'),
  ],
  EVIDENCE_RESPONSE: [set('items as a string', 'itemsProvided', 'statement', 'isArray')],
  WITNESS_APPEARANCE_REQUEST: [
    set('no way to testify', 'appearanceOptions', [], 'arrayMinSize'),
    set('unknown way to testify', 'appearanceOptions', ['BY_LETTER'], 'isIn'),
    set('twice the same option', 'appearanceOptions', ['VIDEO_LINK', 'VIDEO_LINK'], 'arrayUnique'),
    set('unknown protection measure', 'protectionMeasures', ['NEW_IDENTITY'], 'isIn'),
    set('hearing without offset', 'hearingAt', '2027-01-12T09:30:00', 'isDateTime'),
    set('where the witness stays', 'witnessAddress', '12 rue Secrète', 'whitelistValidation'),
    missing('venue', 'isString'),
  ],
  WITNESS_APPEARANCE_RESPONSE: [
    set('willAppear as a string', 'willAppear', 'yes', 'isBoolean'),
    set('unknown mode', 'appearanceMode', 'TELEPATHY', 'isIn'),
    set('lower-case country', 'remoteFrom', 'mk', 'matches'),
    missing('protectionMeasuresRequested', 'isArray'),
  ],
  COMPLAINT_TRANSFER: [
    set('no exploitation type', 'exploitationTypes', [], 'arrayMinSize'),
    set('complaint date with time', 'complaintDate', '2026-11-25T10:00:00Z', 'isDateOnly'),
    missing('victimWishesToBeInformed', 'isBoolean'),
    missing('offenceSummary', 'isString'),
  ],
  PROCEEDINGS_STATUS: [
    set('unknown event', 'event', 'SENTENCED', 'isIn'),
    set('hearing without offset', 'hearingAt', '2027-01-12T09:30:00', 'isDateTime'),
    set('release as a string', 'release', 'today', 'isObject'),
    missing('authority', 'isString'),
  ],
  COMPENSATION_CLAIM_UPDATE: [
    set('unknown claim status', 'claimStatus', 'OK', 'isIn'),
    set('unknown defendant of the claim', 'claimAgainst', 'BANK', 'isIn'),
    set('negative amount', 'amountAwarded.amount', -1, 'min'),
    set('amount in thousandths', 'amountAwarded.amount', 1.234, 'isNumber'),
    set('lower-case currency', 'amountAwarded.currency', 'eur', 'matches'),
    set('bank details', 'iban', 'FR7600000000000000000000000', 'whitelistValidation'),
  ],
  CONSENT_WITHDRAWN: [
    set('nothing withdrawn', 'scopesWithdrawn', [], 'arrayMinSize'),
    set('unknown scope', 'scopesWithdrawn', ['EVERYTHING'], 'isIn'),
  ],
  CASE_CLOSED: [set('wrong reason', 'reason', 'DONE', 'isIn')],
  DELIVERY_RECEIPT: [missing('receivedAt', 'isDateTime'), set('message id', 'messageId', 'abc', 'isUuid')],
  DELIVERY_REJECTED: [
    set('unknown reason code', 'reasonCode', 'BAD', 'isEnum'),
    set('over-long reason', 'reason', long(501), 'maxLength'),
  ],
  AUDIT_CHECKPOINT: [
    set('negative sequence', 'seq', -1, 'min'),
    set('fractional sequence', 'seq', 1.5, 'isInt'),
    set('upper-case hash', 'headHash', 'A'.repeat(64), 'matches'),
    set('short hash', 'headHash', 'a'.repeat(63), 'matches'),
  ],
};

describe('payload catalogue', () => {
  it('has a payload class for every type', () => {
    expect(Object.keys(PAYLOAD_CLASSES).sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  describe.each(MESSAGE_TYPES)('%s', (type) => {
    it('accepts its example payload and returns it unchanged', () => {
      const payload = examplePayload(type);
      const result = validatePayload(type, payload, {
        legalBasis: type === 'EMERGENCY_ALERT' ? 'VITAL_INTEREST' : 'CONSENT',
      });
      expect(result).toEqual({ ok: true, payload });
      expect(result.ok && result.payload).toBe(payload);
    });

    it('rejects an unknown top-level field', () => {
      const errors = errorsOf(type, { ...example(type), unexpectedField: 1 });
      expect(errors).toEqual([
        { path: 'unexpectedField', constraints: ['whitelistValidation: property is not allowed'] },
      ]);
    });

    it.each([null, [], 'payload', 42])('rejects %j as a payload', (payload) => {
      expect(errorsOf(type, payload)).toEqual([
        { path: '', constraints: ['isObject: the payload must be a JSON object'] },
      ]);
    });

    it.each(INVALID[type].map((variant) => [variant.name, variant] as const))(
      'rejects %s',
      (_name, { payload, path, constraint }) => {
        const errors = errorsOf(type, payload(type));
        expect(errors.map((error) => error.path)).toContain(path);
        expect(constraintNames(errors.find((error) => error.path === path)!)).toContain(constraint);
      },
    );

    it('never echoes the offending values in its errors', () => {
      // Every string becomes a long secret (wrong enum, format and length at once), every number absurd.
      const poison = (node: unknown): unknown => {
        if (typeof node === 'string') return `${SECRET}-${long(5000)}`;
        if (typeof node === 'number') return -987654321;
        if (Array.isArray(node)) return node.map(poison);
        if (typeof node === 'object' && node !== null) {
          return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, poison(v)]));
        }
        return node;
      };
      const payload = { ...(poison(example(type)) as object), extra: SECRET };
      const errors = errorsOf(type, payload);
      expect(errors.length).toBeGreaterThan(1);
      const text = JSON.stringify(errors);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('987654321');
    });
  });

  it('reports nested array errors with their index', () => {
    const payload = withValue('FAMILY_TRACING_REQUEST', 'familyMembers', [
      { relation: 'mother' },
      { relation: long(201) },
    ]);
    expect(errorsOf('FAMILY_TRACING_REQUEST', payload)).toEqual([
      {
        path: 'familyMembers.1.relation',
        constraints: ['maxLength: relation must be shorter than or equal to 200 characters'],
      },
    ]);
  });

  describe('hostile input', () => {
    function nested(depth: number): unknown {
      let node: unknown = 'leaf';
      for (let i = 0; i < depth; i += 1) node = [node];
      return node;
    }

    it(`rejects a payload nested deeper than ${MAX_NESTING_DEPTH} levels before validating it`, () => {
      const payload = withValue('REFERRAL_REQUEST', 'person.otherNames', nested(MAX_NESTING_DEPTH - 1));
      const errors = errorsOf('REFERRAL_REQUEST', payload);
      expect(errors).toHaveLength(1);
      expect(constraintNames(errors[0])).toEqual(['maxDepth']);
      expect(errors[0].path).toMatch(/^person\.otherNames(\.0)+$/);
    });

    it('accepts nesting up to the limit (then fails only on the schema)', () => {
      // payload (1) > person (2) > otherNames (3) > 13 more arrays: the deepest is at depth 16.
      const payload = withValue('REFERRAL_REQUEST', 'person.otherNames', nested(MAX_NESTING_DEPTH - 2));
      const errors = errorsOf('REFERRAL_REQUEST', payload);
      expect(errors.flatMap(constraintNames)).not.toContain('maxDepth');
    });

    it('survives nesting far beyond any call stack', () => {
      const errors = errorsOf('CASE_UPDATE', { ...example('CASE_UPDATE'), summary: nested(200_000) });
      expect(constraintNames(errors[0])).toEqual(['maxDepth']);
    });

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__'])(
      'rejects a %s key, which class-transformer would silently skip',
      (key) => {
        const payload = JSON.parse(`{"sop": 3, "summary": "ok", "${key}": {"polluted": true}}`) as unknown;
        expect(errorsOf('CASE_UPDATE', payload)).toEqual([
          { path: key, constraints: ['forbiddenKey: property name is not allowed'] },
        ]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );

    it('rejects a __proto__ key deep inside a payload', () => {
      const payload = JSON.parse(
        '{"caseManager": {"name": "A", "institution": "B", "__proto__": {"role": "x"}}, "eligible": true, "assistanceOffered": []}',
      ) as unknown;
      expect(errorsOf('REFERRAL_CONFIRMATION', payload)).toEqual([
        { path: 'caseManager.__proto__', constraints: ['forbiddenKey: property name is not allowed'] },
      ]);
    });

    it('keeps unprintable unknown keys out of the error path', () => {
      const errors = errorsOf('CASE_UPDATE', { ...example('CASE_UPDATE'), 'bad key\n': 1, [long(65)]: 2 });
      expect(errors.map((error) => error.path)).toEqual(['<invalid-key>', '<invalid-key>']);
    });
  });

  describe('cross-field rules', () => {
    it('requires a justification for an emergency alert sent under VITAL_INTEREST', () => {
      const payload = without('EMERGENCY_ALERT', 'justification');
      expect(validatePayload('EMERGENCY_ALERT', payload, { legalBasis: 'VITAL_INTEREST' })).toEqual({
        ok: false,
        errors: [
          {
            path: 'justification',
            constraints: [
              'justificationRequired: a written justification is required when legalBasis is VITAL_INTEREST',
            ],
          },
        ],
      });
      expect(validatePayload('EMERGENCY_ALERT', payload, { legalBasis: 'CONSENT' }).ok).toBe(true);
      expect(payloadRuleErrors('EMERGENCY_ALERT', payload)).toEqual([]);
    });

    it.each([
      ['a documented adult under 18', { status: 'DOCUMENTED_ADULT', ageNow: 16 }, 'age.status'],
      ['a documented child of 18', { status: 'DOCUMENTED_CHILD', ageNow: 18 }, 'age.status'],
      [
        'trafficked older than now',
        { status: 'PRESUMED_CHILD', ageWhenTrafficked: 17, ageNow: 16 },
        'age.ageWhenTrafficked',
      ],
    ])('rejects %s', (_name, age, path) => {
      // Without a date of birth, so only the rule under test speaks.
      const payload = withValue('REFERRAL_REQUEST', 'age', age);
      delete (payload.person as Record<string, unknown>).dateOfBirth;
      expect(errorsOf('REFERRAL_REQUEST', payload).map((error) => error.path)).toEqual([path]);
    });

    it('rejects a documented child whose date of birth is more than 18 years ago, naming the field, never the value', () => {
      const payload = withValue('REFERRAL_REQUEST', 'age', { status: 'DOCUMENTED_CHILD' });
      (payload.person as Record<string, unknown>).dateOfBirth = yearsBefore(new Date(), 19);
      expect(errorsOf('REFERRAL_REQUEST', payload)).toEqual([
        {
          path: 'age.status',
          constraints: [
            'ageConsistent: a documented child cannot have a person.dateOfBirth 18 or more years ago',
          ],
        },
      ]);
      (payload.person as Record<string, unknown>).dateOfBirth = yearsBefore(new Date(), 17);
      expect(validatePayload('REFERRAL_REQUEST', payload).ok).toBe(true);
    });

    it.each([
      // Her 18th birthday passed a day and more ago, everywhere: contradicted.
      ['2008-12-03', '2026-12-04T12:00:00Z', true],
      // Only just, in some time zone: still a child there, not contradicted.
      ['2008-12-04', '2026-12-04T12:00:00Z', false],
      ['2008-12-05', '2026-12-04T12:00:00Z', false],
      ['2012-05-01', '2026-12-04T12:00:00Z', false],
    ])('a documented child born %s is contradicted on %s: %s', (dateOfBirth, now, contradicted) => {
      const payload = withValue('REFERRAL_REQUEST', 'age', { status: 'DOCUMENTED_CHILD' });
      (payload.person as Record<string, unknown>).dateOfBirth = dateOfBirth;
      const errors = referralRequestRuleErrors(payload as unknown as ReferralRequestPayload, new Date(now));
      expect(errors.map((error) => error.path)).toEqual(contradicted ? ['age.status'] : []);
    });

    it.each([
      // 14 years old on the day; a day either side for time zones.
      ['2012-05-01', 14, '2026-12-04T12:00:00Z', true],
      ['2012-05-01', 13, '2026-12-04T12:00:00Z', false],
      ['2012-05-01', 15, '2026-12-04T12:00:00Z', false],
      ['2012-05-01', 30, '2026-12-04T12:00:00Z', false],
      // The birthday is today in UTC: 14 or 15 are both right somewhere.
      ['2012-12-04', 14, '2026-12-04T12:00:00Z', true],
      ['2012-12-04', 13, '2026-12-04T12:00:00Z', true],
      ['2012-12-04', 12, '2026-12-04T12:00:00Z', false],
    ])('ageNow beside a date of birth %s: %i on %s agrees: %s', (dateOfBirth, ageNow, now, agrees) => {
      const payload = withValue('REFERRAL_REQUEST', 'age', { status: 'PRESUMED_CHILD', ageNow });
      (payload.person as Record<string, unknown>).dateOfBirth = dateOfBirth;
      const errors = referralRequestRuleErrors(payload as unknown as ReferralRequestPayload, new Date(now));
      expect(errors).toEqual(
        agrees
          ? []
          : [
              {
                path: 'age.ageNow',
                constraints: ['ageConsistent: ageNow disagrees with person.dateOfBirth'],
              },
            ],
      );
    });

    it('judges ages now and at sentAt: a birthday on the way is no contradiction, a stale sentAt is left to STALE', () => {
      const payload = withValue('REFERRAL_REQUEST', 'age', { status: 'DOCUMENTED_CHILD', ageNow: 17 });
      (payload.person as Record<string, unknown>).dateOfBirth = '2009-03-14';
      const referral = payload as unknown as ReferralRequestPayload;
      const at = (now: string, sentAt?: string) =>
        referralRequestRuleErrors(referral, new Date(now), sentAt ? new Date(sentAt) : undefined);
      // Sent at 17, received after her 18th birthday: right when it was written.
      expect(at('2027-03-20T12:00:00Z', '2027-03-10T12:00:00Z')).toEqual([]);
      // Sent long ago (STALE's business), the age is right now.
      expect(at('2026-12-04T12:00:00Z', '2020-01-01T00:00:00Z')).toEqual([]);
      // Wrong at both instants.
      expect(at('2027-06-01T12:00:00Z', '2027-05-20T12:00:00Z').map((e) => e.path)).toEqual([
        'age.status',
        'age.ageNow',
      ]);
      // The sender judges at its own time, which is sentAt.
      expect(at('2027-06-01T12:00:00Z').map((e) => e.path)).toEqual(['age.status', 'age.ageNow']);
    });

    it('a documented adult under 18 when sent is contradicted, even if 18 when received', () => {
      const payload = withValue('REFERRAL_REQUEST', 'age', { status: 'DOCUMENTED_ADULT' });
      (payload.person as Record<string, unknown>).dateOfBirth = '2008-12-05';
      const errors = referralRequestRuleErrors(
        payload as unknown as ReferralRequestPayload,
        new Date('2026-12-06T12:00:00Z'),
        new Date('2026-12-04T12:00:00Z'),
      );
      expect(errors.map((e) => e.path)).toEqual(['age.status']);
    });

    it('rejects a documented adult whose date of birth says under 18, naming the fields, never the values', () => {
      const payload = withValue('REFERRAL_REQUEST', 'age', { status: 'DOCUMENTED_ADULT' });
      (payload.person as Record<string, unknown>).dateOfBirth = yearsBefore(new Date(), 17);
      expect(errorsOf('REFERRAL_REQUEST', payload)).toEqual([
        {
          path: 'age.status',
          constraints: [
            'ageConsistent: a documented adult cannot have a person.dateOfBirth less than 18 years ago',
          ],
        },
      ]);
      (payload.person as Record<string, unknown>).dateOfBirth = yearsBefore(new Date(), 19);
      expect(validatePayload('REFERRAL_REQUEST', payload).ok).toBe(true);
    });

    it.each([
      ['2012-05-01', '2026-12-04T12:00:00Z', true],
      ['2008-12-05', '2026-12-04T23:59:59Z', true],
      ['2008-12-05', '2026-12-05T00:00:00Z', false],
      ['2008-02-29', '2026-02-28T23:59:59Z', true],
      ['2008-02-29', '2026-03-01T00:00:00Z', false],
    ])('a documented adult born %s is contradicted on %s: %s', (dateOfBirth, now, contradicted) => {
      const payload = withValue('REFERRAL_REQUEST', 'age', { status: 'DOCUMENTED_ADULT' });
      (payload.person as Record<string, unknown>).dateOfBirth = dateOfBirth;
      const errors = referralRequestRuleErrors(payload as unknown as ReferralRequestPayload, new Date(now));
      expect(errors.map((error) => error.path)).toEqual(contradicted ? ['age.status'] : []);
    });

    it('rejects a referral risk summary that expires before it was made', () => {
      const payload = withValue('REFERRAL_REQUEST', 'riskSummary.validUntil', '2026-11-19T00:00:00.000Z');
      expect(errorsOf('REFERRAL_REQUEST', payload).map((error) => error.path)).toEqual([
        'riskSummary.validUntil',
      ]);
    });

    it('rejects a risk assessment valid until before it was assessed', () => {
      const payload = withValue('RISK_ASSESSMENT_RESULT', 'validUntil', '2026-11-28T09:59:59+00:00');
      expect(errorsOf('RISK_ASSESSMENT_RESULT', payload).map((error) => error.path)).toEqual(['validUntil']);
    });

    it('a witness who will appear says how; remoteFrom only with a remote mode', () => {
      expect(
        errorsOf('WITNESS_APPEARANCE_RESPONSE', without('WITNESS_APPEARANCE_RESPONSE', 'appearanceMode')).map(
          (e) => e.path,
        ),
      ).toEqual(['appearanceMode', 'remoteFrom']);
      const inPerson = withValue('WITNESS_APPEARANCE_RESPONSE', 'appearanceMode', 'IN_PERSON');
      expect(errorsOf('WITNESS_APPEARANCE_RESPONSE', inPerson)).toEqual([
        {
          path: 'remoteFrom',
          constraints: ['remoteFromNeedsRemoteMode: remoteFrom only with VIDEO_LINK or AUDIO_LINK'],
        },
      ]);
      delete inPerson.remoteFrom;
      expect(validatePayload('WITNESS_APPEARANCE_RESPONSE', inPerson).ok).toBe(true);
      const declines = { willAppear: false, protectionMeasuresRequested: [] };
      expect(validatePayload('WITNESS_APPEARANCE_RESPONSE', declines).ok).toBe(true);
      expect(
        errorsOf('WITNESS_APPEARANCE_RESPONSE', { ...declines, appearanceMode: 'VIDEO_LINK' }).map(
          (e) => e.path,
        ),
      ).toEqual(['appearanceMode']);
    });

    it('a hearing event names its date; a release or escape says when, and only those carry one', () => {
      expect(errorsOf('PROCEEDINGS_STATUS', without('PROCEEDINGS_STATUS', 'hearingAt'))).toEqual([
        {
          path: 'hearingAt',
          constraints: [
            'hearingRequired: hearingAt is required with HEARING_SCHEDULED and HEARING_POSTPONED',
          ],
        },
      ]);
      const released = { event: 'OFFENDER_RELEASED', authority: 'Tribunal judiciaire de Paris' };
      expect(errorsOf('PROCEEDINGS_STATUS', released)).toEqual([
        {
          path: 'release',
          constraints: ['releaseRequired: release is required with OFFENDER_RELEASED and OFFENDER_ESCAPED'],
        },
      ]);
      const release = { at: '2029-06-01T08:00:00Z', releaseKind: 'CONDITIONAL_RELEASE' };
      expect(validatePayload('PROCEEDINGS_STATUS', { ...released, release }).ok).toBe(true);
      expect(
        validatePayload('PROCEEDINGS_STATUS', {
          ...released,
          event: 'OFFENDER_ESCAPED',
          release: { at: release.at },
        }).ok,
      ).toBe(true);
      expect(errorsOf('PROCEEDINGS_STATUS', withValue('PROCEEDINGS_STATUS', 'release', release))).toEqual([
        {
          path: 'release',
          constraints: ['releaseWithoutRelease: release only with OFFENDER_RELEASED and OFFENDER_ESCAPED'],
        },
      ]);
    });

    it('runs the rules only on a payload that passed its class validation', () => {
      const payload = { ...without('EMERGENCY_ALERT', 'justification'), danger: 'HEALTH' };
      const result = validatePayload('EMERGENCY_ALERT', payload, { legalBasis: 'VITAL_INTEREST' });
      expect(result.ok ? [] : result.errors.map((error) => error.path)).toEqual(['danger']);
    });
  });

  it.each([
    [{ status: 'DOCUMENTED_ADULT' }, { dateOfBirth: '2012-05-01' }, true],
    [{ status: 'DOCUMENTED_ADULT', ageNow: 30 }, { dateOfBirth: '2012-05-01' }, true],
    [{ status: 'DOCUMENTED_ADULT' }, { dateOfBirth: '2008-12-05' }, true],
    [{ status: 'DOCUMENTED_ADULT' }, { dateOfBirth: '2008-12-04' }, false],
    [{ status: 'DOCUMENTED_ADULT' }, {}, false],
    [{ status: 'PRESUMED_CHILD' }, { dateOfBirth: '1990-01-01' }, true],
  ] as const)(
    'isTreatedAsChild(%j, %j) on 4 December 2026 is %s: a date of birth under 18 years ago makes a child',
    (age, person, child) => {
      expect(isTreatedAsChild(age, person, new Date('2026-12-04T12:00:00Z'))).toBe(child);
    },
  );

  it.each([
    [{ status: 'DOCUMENTED_ADULT', ageNow: 30 }, false],
    [{ status: 'DOCUMENTED_ADULT' }, false],
    [{ status: 'DOCUMENTED_ADULT', ageNow: 17 }, true],
    [{ status: 'DOCUMENTED_CHILD', ageNow: 17 }, true],
    [{ status: 'PRESUMED_CHILD' }, true],
    [{ status: 'DISPUTED', ageNow: 19 }, true],
  ] as const)(
    'isTreatedAsChild(%j) is %s: a presumed or disputed minor is protected as a child',
    (age, child) => {
      expect(isTreatedAsChild(age)).toBe(child);
    },
  );
});
