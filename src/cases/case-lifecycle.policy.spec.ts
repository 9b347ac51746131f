import { examplePayload } from '../messages/examples';
import { isInReplyToRequired, MESSAGE_TYPES, MessageType, TECHNICAL_TYPES } from '../messages/message-types';
import { RejectionCode } from '../messages/rejection-codes';
import {
  ageStatusAfterMessage,
  CaseMessageFact,
  composeEvents,
  decideAgeStatusChange,
  decideLifecycle,
  decidePhaseChange,
  decideReopen,
  needsCaseFacts,
  Direction,
  gateIdentificationStatus,
  identificationDecisionTarget,
  identificationStatusAfterMessage,
  inferRoles,
  isClosedWith,
  isReleaseNotice,
  LifecycleEvent,
  LifecycleState,
  needsHistory,
  requiredRequests,
} from './case-lifecycle.policy';
import { isChild } from './case.entity';

// The fictional case of src/messages/examples.ts seen from France (FR): a child from North Macedonia (MK).

const { CASE_STATE_CONFLICT, POLICY_DENIED } = RejectionCode;
type Payload = Record<string, unknown>;

const OPEN: LifecycleState = {
  status: 'OPEN',
  phases: {},
  child: false,
  guardianRecorded: false,
  identificationStatus: null,
  countries: [],
  closedWith: [],
  history: [],
};

// The example referral is of a 17-year-old: an adult's referral needs an adult's date of birth too.
const EXAMPLE_PERSON = (examplePayload('REFERRAL_REQUEST') as unknown as { person: Payload }).person;
const adultReferral = (ageNow?: number): Payload => ({
  age: { status: 'DOCUMENTED_ADULT', ...(ageNow !== undefined ? { ageNow } : {}) },
  person: { ...EXAMPLE_PERSON, dateOfBirth: '1999-03-14' },
});

function event(type: MessageType, direction: Direction = 'SENT', change: Payload = {}): LifecycleEvent {
  const payload: Payload = { ...(examplePayload(type) as object), ...change };
  for (const [key, value] of Object.entries(change)) if (value === undefined) delete payload[key];
  return { type, direction, counterpart: 'MK', payload };
}

const fact = (
  type: MessageType,
  direction: Direction,
  counterpart = 'MK',
  accepted: boolean | null = null,
  eligible: boolean | null = null,
): CaseMessageFact => ({
  id: `${type}:${direction}:${counterpart}`,
  type,
  direction,
  counterpart,
  accepted,
  eligible,
});

function codes(state: LifecycleState, e: LifecycleEvent): RejectionCode[] {
  const decision = decideLifecycle(state, e);
  return decision.allow ? [] : decision.reasons.map((r) => r.code);
}

const BUSINESS = MESSAGE_TYPES.filter((t) => !(TECHNICAL_TYPES as readonly string[]).includes(t));
const ANSWERS: Array<[MessageType, MessageType[]]> = [
  ['REFERRAL_CONFIRMATION', ['REFERRAL_REQUEST']],
  ['REFERRAL_DECLINED', ['REFERRAL_REQUEST']],
  ['IDENTITY_VERIFICATION_RESULT', ['IDENTITY_VERIFICATION_REQUEST']],
  ['FAMILY_TRACING_RESULT', ['FAMILY_TRACING_REQUEST']],
  ['RETURN_PLAN_CONFIRMATION', ['RETURN_PLAN']],
  ['ARRIVAL_CONFIRMATION', ['RETURN_PLAN']],
  ['REINTEGRATION_CONFIRMATION', ['REINTEGRATION_REQUEST']],
  ['EVIDENCE_RESPONSE', ['EVIDENCE_REQUEST']],
  ['EMERGENCY_ALERT_ACKNOWLEDGEMENT', ['EMERGENCY_ALERT']],
  ['TRAVEL_DOCUMENT_RESULT', ['TRAVEL_DOCUMENT_REQUEST']],
  ['WITNESS_APPEARANCE_RESPONSE', ['WITNESS_APPEARANCE_REQUEST']],
];
const ANSWER_TYPES = new Set(ANSWERS.map(([type]) => type));

describe('which messages answer a request', () => {
  it.each(ANSWERS)('%s answers %j', (type, requests) => {
    expect(requiredRequests(type)).toEqual(requests);
    expect(needsHistory(type)).toBe(true);
  });

  it.each(MESSAGE_TYPES.filter((t) => !ANSWER_TYPES.has(t) && t !== 'RETURN_PLAN'))(
    '%s needs no earlier request (and no history)',
    (type) => {
      expect(requiredRequests(type)).toEqual([]);
      expect(needsHistory(type)).toBe(false);
    },
  );

  it('a return plan answers nothing but reads the history (the referral’s answer)', () => {
    expect(requiredRequests('RETURN_PLAN')).toEqual([]);
    expect(needsHistory('RETURN_PLAN')).toBe(true);
  });

  it('an update reads the history on a case closed with its counterpart (it may acknowledge an alert)', () => {
    expect(needsHistory('CASE_UPDATE', true)).toBe(true);
    expect(needsHistory('CASE_UPDATE', false)).toBe(false);
  });
});

describe('decideLifecycle on an open case', () => {
  it.each(
    BUSINESS.filter((t) => !ANSWER_TYPES.has(t)).flatMap((t) => [
      [t, 'SENT'] as const,
      [t, 'RECEIVED'] as const,
    ]),
  )('allows %s %s on a fresh adult case (à la carte: no phase must come first)', (type, direction) => {
    // The example referral is a child's: here the person is a documented adult.
    const adult = type === 'REFERRAL_REQUEST' ? adultReferral(30) : {};
    expect(codes(OPEN, event(type, direction, adult))).toEqual([]);
  });

  it.each(ANSWERS.flatMap(([t]) => [[t, 'SENT'] as const, [t, 'RECEIVED'] as const]))(
    'refuses %s %s when the case holds no request it answers',
    (type, direction) => {
      const decision = decideLifecycle(OPEN, event(type, direction));
      expect(decision).toEqual({
        allow: false,
        reasons: [{ code: CASE_STATE_CONFLICT, message: expect.stringContaining(`${type} answers`) }],
      });
    },
  );

  it.each(
    ANSWERS.flatMap(([t, [request]]) => [[t, request, 'SENT'] as const, [t, request, 'RECEIVED'] as const]),
  )('allows %s once the case holds %s in the other direction (%s)', (type, request, direction) => {
    // An arrival also needs the plan accepted, by the country that confirms the arrival.
    const accepted =
      type === 'ARRIVAL_CONFIRMATION' ? [fact('RETURN_PLAN_CONFIRMATION', direction, 'MK', true)] : [];
    const requested = fact(request, direction === 'SENT' ? 'RECEIVED' : 'SENT');
    const asked = { ...OPEN, history: [requested, ...accepted] };
    // An alert's acknowledgement and the extensions' answers name their request (below); the others may not.
    const inReplyTo = isInReplyToRequired(type) ? requested.id : undefined;
    expect(codes(asked, { ...event(type, direction), inReplyTo })).toEqual([]);
  });

  it.each([
    ['the request went the same way (FR asked itself)', fact('RETURN_PLAN', 'SENT')],
    ['the request was with another country', fact('RETURN_PLAN', 'RECEIVED', 'IT')],
    ['only an unrelated request exists', fact('REINTEGRATION_REQUEST', 'RECEIVED')],
  ])('refuses ARRIVAL_CONFIRMATION sent to MK when %s', (_, earlier) => {
    expect(codes({ ...OPEN, history: [earlier] }, event('ARRIVAL_CONFIRMATION', 'SENT'))).toEqual([
      CASE_STATE_CONFLICT,
    ]);
  });

  it('names the missing request and the country in the reason, without personal data', () => {
    const decision = decideLifecycle(OPEN, event('ARRIVAL_CONFIRMATION', 'RECEIVED'));
    expect(decision).toEqual({
      allow: false,
      reasons: [
        {
          code: CASE_STATE_CONFLICT,
          message: 'ARRIVAL_CONFIRMATION answers RETURN_PLAN, and the case has none to MK',
        },
      ],
    });
  });

  it.each([
    ['no inReplyTo', undefined],
    ['another request of the same type', 'another-request'],
    ['the request of another country', 'request-from-IT'],
  ])('refuses a witness’s answer that names %s: answers correlate to their request', (_name, inReplyTo) => {
    const history = [
      { ...fact('WITNESS_APPEARANCE_REQUEST', 'RECEIVED'), id: 'the-request' },
      { ...fact('WITNESS_APPEARANCE_REQUEST', 'RECEIVED', 'IT'), id: 'request-from-IT' },
    ];
    const answer = { ...event('WITNESS_APPEARANCE_RESPONSE', 'SENT'), inReplyTo };
    expect(decideLifecycle({ ...OPEN, history }, answer)).toEqual({
      allow: false,
      reasons: [
        {
          code: CASE_STATE_CONFLICT,
          message:
            'WITNESS_APPEARANCE_RESPONSE answers WITNESS_APPEARANCE_REQUEST, named in inReplyTo, and the case has none such from MK',
        },
      ],
    });
    expect(codes({ ...OPEN, history }, { ...answer, inReplyTo: 'the-request' })).toEqual([]);
  });

  it.each([
    [2, '2'],
    [3, '3'],
  ] as const)('an assistance step report of SOP %i makes that phase active', (sop, phase) => {
    const decision = decideLifecycle(OPEN, event('ASSISTANCE_STEP_REPORT', 'SENT', { sop }));
    expect(decision.allow && decision.next.phases).toEqual({ [phase]: 'ACTIVE' });
  });

  it('lets a risk assessment result come unasked (both countries’ assessments count)', () => {
    expect(codes(OPEN, event('RISK_ASSESSMENT_RESULT', 'RECEIVED'))).toEqual([]);
  });
});

describe('decideLifecycle on a closed case', () => {
  const closed: LifecycleState = { ...OPEN, status: 'CLOSED' };

  it.each(
    BUSINESS.filter((t) => !['CASE_CLOSED', 'CONSENT_WITHDRAWN', 'EMERGENCY_ALERT'].includes(t)).flatMap(
      (t) => [[t, 'SENT'] as const, [t, 'RECEIVED'] as const],
    ),
  )('refuses %s %s', (type, direction) => {
    const everything = {
      ...closed,
      history: BUSINESS.map((t) => fact(t, direction === 'SENT' ? 'RECEIVED' : 'SENT')),
    };
    expect(decideLifecycle(everything, event(type, direction))).toEqual({
      allow: false,
      reasons: [{ code: CASE_STATE_CONFLICT, message: `the case is closed; ${type} is not allowed on it` }],
    });
  });

  it.each([['SENT'], ['RECEIVED']] as const)(
    'still takes a CASE_CLOSED %s (both sides may close at once)',
    (direction) => {
      expect(codes(closed, event('CASE_CLOSED', direction))).toEqual([]);
    },
  );

  it.each([['SENT'], ['RECEIVED']] as const)(
    'still carries a consent withdrawal %s (the person’s right; recipients must be told), changing nothing',
    (direction) => {
      const phases = { '1': 'COMPLETED', '3': 'SKIPPED' } as const;
      expect(decideLifecycle({ ...closed, phases }, event('CONSENT_WITHDRAWN', direction))).toEqual({
        allow: true,
        next: { status: 'CLOSED', phases },
      });
    },
  );

  const release = {
    event: 'OFFENDER_RELEASED',
    authority: 'Tribunal judiciaire de Paris',
    release: { at: '2029-06-01T08:00:00Z', releaseKind: 'CONDITIONAL_RELEASE' },
  };

  it.each([
    ['OFFENDER_RELEASED', 'SENT'],
    ['OFFENDER_RELEASED', 'RECEIVED'],
    ['OFFENDER_ESCAPED', 'SENT'],
    ['OFFENDER_ESCAPED', 'RECEIVED'],
  ] as const)(
    'still carries an offender’s release or escape (%s, %s): the victim must be told, years later too',
    (kind, direction) => {
      const notice = event('PROCEEDINGS_STATUS', direction, { ...release, event: kind });
      expect(decideLifecycle(closed, notice)).toEqual({
        allow: true,
        next: { status: 'CLOSED', phases: {} },
      });
      // And on a case closed with that country only.
      expect(codes({ ...OPEN, closedWith: ['MK'] }, notice)).toEqual([]);
      expect(isReleaseNotice(notice)).toBe(true);
    },
  );

  it.each([['SENT'], ['RECEIVED']] as const)(
    'still carries (%s) the update that says the victim was told of a release, naming the notice',
    (direction) => {
      const other = direction === 'SENT' ? 'RECEIVED' : 'SENT';
      const notice = { ...fact('PROCEEDINGS_STATUS', other), id: 'release-notice', release: true };
      const hearing = { ...fact('PROCEEDINGS_STATUS', other), id: 'hearing', release: false };
      const history = [notice, hearing];
      const told = (inReplyTo?: string) => ({ ...event('CASE_UPDATE', direction), inReplyTo });
      expect(codes({ ...closed, history }, told('release-notice'))).toEqual([]);
      expect(codes({ ...closed, history }, told('hearing'))).toEqual([CASE_STATE_CONFLICT]);
      expect(codes({ ...closed, history }, told())).toEqual([CASE_STATE_CONFLICT]);
      // A notice that went the same way is not one to confirm.
      expect(codes({ ...closed, history: [{ ...notice, direction }] }, told('release-notice'))).toEqual([
        CASE_STATE_CONFLICT,
      ]);
    },
  );

  it('refuses a hearing date on a closed case: only a release or escape goes through', () => {
    expect(isReleaseNotice(event('PROCEEDINGS_STATUS'))).toBe(false);
    expect(codes(closed, event('PROCEEDINGS_STATUS'))).toEqual([CASE_STATE_CONFLICT]);
  });

  it.each([['SENT'], ['RECEIVED']] as const)(
    'still carries the result of the search an alert started (%s), as the alert’s acknowledgement',
    (direction) => {
      const alert = { ...fact('EMERGENCY_ALERT', direction === 'SENT' ? 'RECEIVED' : 'SENT'), id: 'alert-1' };
      const result = event('MISSING_PERSON_SEARCH_RESULT', direction);
      expect(needsHistory('MISSING_PERSON_SEARCH_RESULT', true)).toBe(true);
      expect(codes({ ...closed, history: [alert] }, { ...result, inReplyTo: 'alert-1' })).toEqual([]);
      expect(codes({ ...closed, history: [alert] }, result)).toEqual([CASE_STATE_CONFLICT]);
    },
  );

  it.each(TECHNICAL_TYPES.flatMap((t) => [[t, 'SENT'] as const, [t, 'RECEIVED'] as const]))(
    'still takes the technical %s %s, and it changes nothing',
    (type, direction) => {
      expect(decideLifecycle(closed, event(type, direction))).toEqual({
        allow: true,
        next: { status: 'CLOSED', phases: {} },
      });
    },
  );
});

describe('decideLifecycle for a child', () => {
  const child: LifecycleState = { ...OPEN, child: true };
  const guardianNeeded = (type: MessageType) =>
    `the person is treated as a child: ${type} needs a guardian or legal representative on the case`;
  const STEPS: MessageType[] = [
    'REFERRAL_REQUEST',
    'FAMILY_TRACING_REQUEST',
    'RETURN_PLAN',
    'REINTEGRATION_REQUEST',
  ];

  it.each(STEPS)('refuses to send %s before a guardian is on the case', (type) => {
    expect(decideLifecycle(child, event(type))).toEqual({
      allow: false,
      reasons: [{ code: POLICY_DENIED, message: guardianNeeded(type) }],
    });
  });

  it.each(STEPS)('sends %s once a guardian is on the case', (type) => {
    expect(codes({ ...child, guardianRecorded: true }, event(type))).toEqual([]);
  });

  it.each(['CASE_UPDATE', 'EMERGENCY_ALERT', 'EVIDENCE_REQUEST', 'RISK_ASSESSMENT_REQUEST'] as const)(
    'does not hold %s back for a guardian (assistance never waits)',
    (type) => {
      expect(codes(child, event(type))).toEqual([]);
    },
  );

  describe.each(['SENT', 'RECEIVED'] as const)("a child's arrival (%s)", (direction) => {
    // The plan went the other way and was accepted by the country that confirms the arrival.
    const returned: LifecycleState = {
      ...child,
      history: [
        fact('RETURN_PLAN', direction === 'SENT' ? 'RECEIVED' : 'SENT'),
        fact('RETURN_PLAN_CONFIRMATION', direction, 'MK', true),
      ],
    };

    it('is refused without followUpScheduled', () => {
      const arrival = event('ARRIVAL_CONFIRMATION', direction, { followUpScheduled: undefined });
      expect(decideLifecycle(returned, arrival)).toEqual({
        allow: false,
        reasons: [
          {
            code: POLICY_DENIED,
            message: "the case is a child's case: ARRIVAL_CONFIRMATION needs followUpScheduled",
          },
        ],
      });
    });

    it("is allowed with followUpScheduled, and an adult's arrival without it", () => {
      expect(codes(returned, event('ARRIVAL_CONFIRMATION', direction))).toEqual([]);
      const adult = { ...returned, child: false };
      expect(
        codes(adult, event('ARRIVAL_CONFIRMATION', direction, { followUpScheduled: undefined })),
      ).toEqual([]);
    });
  });

  it.each(STEPS)('does not ask the receiver of %s for a guardian of its own', (type) => {
    expect(codes(child, event(type, 'RECEIVED'))).toEqual([]);
  });

  it.each([
    ['PRESUMED_CHILD', undefined],
    ['DISPUTED', undefined],
    ['DOCUMENTED_CHILD', 17],
    ['DOCUMENTED_ADULT', 16],
  ])(
    'presumes a child from a referral whose age is %s (now %s), on a case that did not know',
    (status, ageNow) => {
      const referral = event('REFERRAL_REQUEST', 'SENT', { age: { status, ...(ageNow ? { ageNow } : {}) } });
      expect(codes(OPEN, referral)).toEqual([POLICY_DENIED]);
    },
  );

  it('treats a referral of a documented adult as an adult’s', () => {
    const referral = event('REFERRAL_REQUEST', 'SENT', adultReferral(25));
    expect(codes(OPEN, referral)).toEqual([]);
  });

  it('treats a documented adult whose date of birth says under 18 as a child', () => {
    const born2012 = { ...adultReferral(), person: { ...EXAMPLE_PERSON, dateOfBirth: '2012-05-01' } };
    expect(codes(OPEN, event('REFERRAL_REQUEST', 'SENT', born2012))).toEqual([POLICY_DENIED]);
    expect(
      isChild({ ageStatus: null }, 'REFERRAL_REQUEST', event('REFERRAL_REQUEST', 'SENT', born2012).payload),
    ).toBe(true);
  });

  it('accepts a child’s return plan with a best-interests determination and a receiver', () => {
    expect(codes(child, event('RETURN_PLAN', 'RECEIVED'))).toEqual([]);
  });

  it.each([
    [
      'no best-interests determination',
      { bestInterestsDetermination: undefined },
      ['the return of a child needs a recorded best-interests determination'],
    ],
    [
      'a determination against return',
      {
        bestInterestsDetermination: {
          date: '2026-11-29',
          outcome: 'RETURN_NOT_IN_BEST_INTERESTS',
          by: 'Juge des enfants',
        },
      },
      ["the best-interests determination found return not in the child's best interests"],
    ],
    [
      'no child-protection receiver',
      { childProtectionReceiver: undefined },
      ['the return of a child needs a named child-protection receiver on arrival'],
    ],
  ])('rejects a child’s return plan it receives with %s', (_, change, messages) => {
    expect(decideLifecycle(child, event('RETURN_PLAN', 'RECEIVED', change))).toEqual({
      allow: false,
      reasons: messages.map((message) => ({ code: POLICY_DENIED, message })),
    });
  });

  it('leaves an adult’s return plan without a determination to the other rules', () => {
    expect(codes(OPEN, event('RETURN_PLAN', 'RECEIVED', { bestInterestsDetermination: undefined }))).toEqual(
      [],
    );
  });

  it('gives every reason at once', () => {
    const bare = event('RETURN_PLAN', 'RECEIVED', {
      bestInterestsDetermination: undefined,
      childProtectionReceiver: undefined,
    });
    expect(codes(child, bare)).toEqual([POLICY_DENIED, POLICY_DENIED]);
  });
});

describe('what an allowed message changes', () => {
  const next = (state: LifecycleState, e: LifecycleEvent) => {
    const decision = decideLifecycle(state, e);
    if (!decision.allow) throw new Error(`refused: ${JSON.stringify(decision.reasons)}`);
    return decision.next;
  };

  it('a referral starts identification and the SOP it requests', () => {
    expect(next(OPEN, event('REFERRAL_REQUEST', 'SENT', adultReferral()))).toEqual({
      status: 'OPEN',
      phases: { '1': 'ACTIVE', '4': 'ACTIVE' },
    });
  });

  it('a confirmed referral completes identification, and leaves the rest as it was', () => {
    const state = {
      ...OPEN,
      phases: { '1': 'ACTIVE', '4': 'ACTIVE' } as const,
      history: [fact('REFERRAL_REQUEST', 'SENT')],
    };
    expect(next(state, event('REFERRAL_CONFIRMATION', 'RECEIVED')).phases).toEqual({
      '1': 'COMPLETED',
      '4': 'ACTIVE',
    });
  });

  it.each([
    ['EMERGENCY_ALERT', '2'],
    ['CASE_UPDATE', '3'],
    ['RISK_ASSESSMENT_REQUEST', '4'],
    ['EVIDENCE_REQUEST', '5'],
  ] as const)('%s starts SOP %s, even one skipped before (phases may be resumed)', (type, sop) => {
    expect(next({ ...OPEN, phases: { [sop]: 'SKIPPED' } }, event(type)).phases).toEqual({ [sop]: 'ACTIVE' });
  });

  it('runs phases in parallel: proceedings go on while the return is under way', () => {
    const state = { ...OPEN, phases: { '4': 'ACTIVE' } as const };
    expect(next(state, event('EVIDENCE_REQUEST')).phases).toEqual({ '4': 'ACTIVE', '5': 'ACTIVE' });
  });

  it('completes the return when reintegration is confirmed after the arrival', () => {
    const state = {
      ...OPEN,
      phases: { '4': 'ACTIVE' } as const,
      history: [
        fact('RETURN_PLAN', 'SENT'),
        fact('ARRIVAL_CONFIRMATION', 'RECEIVED'),
        fact('REINTEGRATION_REQUEST', 'SENT'),
      ],
    };
    expect(next(state, event('REINTEGRATION_CONFIRMATION', 'RECEIVED')).phases).toEqual({ '4': 'COMPLETED' });
  });

  it('completes the return when the arrival is confirmed after reintegration was confirmed', () => {
    const state = {
      ...OPEN,
      phases: { '4': 'ACTIVE' } as const,
      history: [
        fact('RETURN_PLAN', 'SENT'),
        fact('REINTEGRATION_REQUEST', 'SENT'),
        fact('RETURN_PLAN_CONFIRMATION', 'RECEIVED', 'MK', true),
        fact('REINTEGRATION_CONFIRMATION', 'RECEIVED', 'MK', true),
      ],
    };
    expect(next(state, event('ARRIVAL_CONFIRMATION', 'RECEIVED')).phases).toEqual({ '4': 'COMPLETED' });
  });

  it('keeps the return open when reintegration was refused', () => {
    const state = {
      ...OPEN,
      phases: { '4': 'ACTIVE' } as const,
      history: [
        fact('RETURN_PLAN', 'SENT'),
        fact('ARRIVAL_CONFIRMATION', 'RECEIVED'),
        fact('REINTEGRATION_REQUEST', 'SENT'),
      ],
    };
    expect(next(state, event('REINTEGRATION_CONFIRMATION', 'RECEIVED', { accepted: false })).phases).toEqual({
      '4': 'ACTIVE',
    });
  });

  it('closing completes what is under way and skips what never started', () => {
    const state = { ...OPEN, phases: { '1': 'COMPLETED', '2': 'ACTIVE', '5': 'SKIPPED' } as const };
    expect(next(state, event('CASE_CLOSED'))).toEqual({
      status: 'CLOSED',
      phases: { '1': 'COMPLETED', '2': 'COMPLETED', '3': 'SKIPPED', '4': 'SKIPPED', '5': 'SKIPPED' },
    });
  });

  it('consent withdrawal (any SOP) starts no phase', () => {
    expect(next(OPEN, event('CONSENT_WITHDRAWN'))).toEqual({ status: 'OPEN', phases: {} });
  });
});

describe('decidePhaseChange', () => {
  it.each(['ACTIVE', 'COMPLETED', 'SKIPPED'] as const)('lets a coordinator set a phase %s', (to) => {
    expect(decidePhaseChange(to)).toEqual({ allow: true });
  });

  it('never sets a phase back to NOT_STARTED', () => {
    expect(decidePhaseChange('NOT_STARTED')).toEqual({
      allow: false,
      reason: 'a phase cannot be set back to NOT_STARTED',
    });
  });
});

describe('decideAgeStatusChange (age presumption)', () => {
  it.each([
    ['DOCUMENTED_ADULT', 'DOCUMENT', true],
    ['DOCUMENTED_ADULT', 'AGE_ASSESSMENT', true],
    ['DOCUMENTED_ADULT', 'PRESUMPTION', false],
    ['DOCUMENTED_CHILD', 'DOCUMENT', true],
    ['DOCUMENTED_CHILD', 'AGE_ASSESSMENT', true],
    ['DOCUMENTED_CHILD', 'PRESUMPTION', false],
    ['PRESUMED_CHILD', 'PRESUMPTION', true],
    ['PRESUMED_CHILD', 'DOCUMENT', true],
    ['DISPUTED', 'PRESUMPTION', true],
    ['DISPUTED', 'AGE_ASSESSMENT', true],
  ] as const)('%s on the evidence of %s: allowed %s', (to, evidence, allowed) => {
    expect(decideAgeStatusChange(to, evidence).allow).toBe(allowed);
  });

  it('names the evidence a documented age needs', () => {
    expect(decideAgeStatusChange('DOCUMENTED_ADULT', 'PRESUMPTION')).toEqual({
      allow: false,
      reason: 'DOCUMENTED_ADULT needs a document or an age assessment, not a presumption',
    });
  });
});

describe('inferRoles', () => {
  it('a return plan FR sends makes FR the destination and MK the origin', () => {
    expect(inferRoles('FR', {}, event('RETURN_PLAN', 'SENT'))).toEqual({ FR: 'DESTINATION', MK: 'ORIGIN' });
  });

  it('a return plan MK receives from FR says the same from MK’s side', () => {
    expect(inferRoles('MK', {}, { ...event('RETURN_PLAN', 'RECEIVED'), counterpart: 'FR' })).toEqual({
      FR: 'DESTINATION',
      MK: 'ORIGIN',
    });
  });

  it('a referral names the country of residence in the origin', () => {
    expect(inferRoles('FR', {}, event('REFERRAL_REQUEST'))).toEqual({ MK: 'ORIGIN' });
  });

  it('never overwrites a role a coordinator set', () => {
    expect(inferRoles('FR', { MK: 'TRANSIT', IT: 'TRANSIT' }, event('RETURN_PLAN'))).toEqual({
      FR: 'DESTINATION',
      MK: 'TRANSIT',
      IT: 'TRANSIT',
    });
  });

  it('other messages say nothing about roles', () => {
    expect(inferRoles('FR', { IT: 'TRANSIT' }, event('CASE_UPDATE'))).toEqual({ IT: 'TRANSIT' });
  });
});

describe('the removal and tracing rules on what a node receives', () => {
  it.each(['PRESUMED_VICTIM', 'IDENTIFICATION_IN_PROGRESS'])(
    'rejects a return plan received while the identification status is %s',
    (identificationStatus) => {
      expect(decideLifecycle({ ...OPEN, identificationStatus }, event('RETURN_PLAN', 'RECEIVED'))).toEqual({
        allow: false,
        reasons: [
          { code: POLICY_DENIED, message: 'no return or removal while identification is in progress' },
        ],
      });
    },
  );

  it('accepts a return plan received for an identified victim', () => {
    const identified = { ...OPEN, identificationStatus: 'IDENTIFIED_VICTIM' };
    expect(codes(identified, event('RETURN_PLAN', 'RECEIVED'))).toEqual([]);
  });

  it('rejects a family tracing request received while an asylum claim is pending', () => {
    expect(
      decideLifecycle(OPEN, event('FAMILY_TRACING_REQUEST', 'RECEIVED', { asylumClaimPending: true })),
    ).toEqual({
      allow: false,
      reasons: [
        {
          code: POLICY_DENIED,
          message: 'no family tracing while an asylum claim is pending',
          rule: 'ASYLUM_CLAIM_PENDING',
        },
      ],
    });
  });

  it('rejects a family tracing request received without her wish to return to her family, whatever the schema let through', () => {
    for (const wish of [false, undefined, 'yes']) {
      expect(
        decideLifecycle(OPEN, event('FAMILY_TRACING_REQUEST', 'RECEIVED', { wishToReturnToFamily: wish })),
      ).toEqual({
        allow: false,
        reasons: [
          {
            code: POLICY_DENIED,
            message: 'family tracing only when the person has said she wishes to return to her family',
          },
        ],
      });
    }
  });

  it('leaves what this node sends to the risk gate, which applies the same rules with every other reason', () => {
    const pending = { ...OPEN, identificationStatus: 'PRESUMED_VICTIM' };
    expect(codes(pending, event('RETURN_PLAN', 'SENT'))).toEqual([]);
    expect(codes(OPEN, event('FAMILY_TRACING_REQUEST', 'SENT', { asylumClaimPending: true }))).toEqual([]);
    expect(codes(OPEN, event('FAMILY_TRACING_REQUEST', 'SENT', { wishToReturnToFamily: false }))).toEqual([]);
  });
});

describe('closing one country’s part of the case', () => {
  // MK's view: France and Italy are on the case.
  const shared: LifecycleState = {
    ...OPEN,
    countries: ['FR', 'IT'],
    phases: { '4': 'COMPLETED', '5': 'ACTIVE' },
  };
  const from = (
    type: MessageType,
    counterpart: string,
    direction: Direction = 'RECEIVED',
  ): LifecycleEvent => ({
    ...event(type, direction),
    counterpart,
  });

  it('a CASE_CLOSED from one country leaves the case open for the others, its phases untouched', () => {
    expect(decideLifecycle(shared, from('CASE_CLOSED', 'FR'))).toEqual({
      allow: true,
      next: { status: 'OPEN', phases: { '4': 'COMPLETED', '5': 'ACTIVE' } },
    });
  });

  it('the last country’s CASE_CLOSED closes the case', () => {
    expect(decideLifecycle({ ...shared, closedWith: ['FR'] }, from('CASE_CLOSED', 'IT', 'SENT'))).toEqual({
      allow: true,
      next: {
        status: 'CLOSED',
        phases: { '1': 'SKIPPED', '2': 'SKIPPED', '3': 'SKIPPED', '4': 'COMPLETED', '5': 'COMPLETED' },
      },
    });
  });

  it('refuses the closed country’s messages both ways, and goes on with the others', () => {
    const frClosed = { ...shared, closedWith: ['FR'] };
    for (const direction of ['SENT', 'RECEIVED'] as const) {
      expect(decideLifecycle(frClosed, from('CASE_UPDATE', 'FR', direction))).toEqual({
        allow: false,
        reasons: [
          {
            code: CASE_STATE_CONFLICT,
            message: 'the case is closed with FR; CASE_UPDATE is not allowed between them',
          },
        ],
      });
      expect(codes(frClosed, from('CASE_UPDATE', 'IT', direction))).toEqual([]);
    }
    expect(codes(frClosed, from('CONSENT_WITHDRAWN', 'FR'))).toEqual([]);
  });

  it('isClosedWith: the whole case, or the country’s part', () => {
    expect(isClosedWith({ status: 'OPEN', closedWith: ['FR'] }, 'FR')).toBe(true);
    expect(isClosedWith({ status: 'OPEN', closedWith: ['FR'] }, 'IT')).toBe(false);
    expect(isClosedWith({ status: 'CLOSED', closedWith: [] }, 'IT')).toBe(true);
  });
});

describe('an emergency alert after closure', () => {
  const closed: LifecycleState = { ...OPEN, status: 'CLOSED', phases: { '4': 'COMPLETED' } };

  it.each([['SENT'], ['RECEIVED']] as const)(
    'carries an alert %s on a closed case, changing nothing',
    (direction) => {
      expect(decideLifecycle(closed, event('EMERGENCY_ALERT', direction))).toEqual({
        allow: true,
        next: { status: 'CLOSED', phases: { '4': 'COMPLETED' } },
      });
    },
  );

  it.each([['SENT'], ['RECEIVED']] as const)(
    'carries the update %s that acknowledges the alert',
    (direction) => {
      const alert = fact('EMERGENCY_ALERT', direction === 'SENT' ? 'RECEIVED' : 'SENT');
      const ack = { ...event('CASE_UPDATE', direction), inReplyTo: alert.id };
      expect(codes({ ...closed, history: [alert] }, ack)).toEqual([]);
    },
  );

  it.each([['SENT'], ['RECEIVED']] as const)(
    'carries the acknowledgement %s that names the alert',
    (direction) => {
      const alert = fact('EMERGENCY_ALERT', direction === 'SENT' ? 'RECEIVED' : 'SENT');
      const ack = { ...event('EMERGENCY_ALERT_ACKNOWLEDGEMENT', direction), inReplyTo: alert.id };
      expect(codes({ ...closed, history: [alert] }, ack)).toEqual([]);
    },
  );

  it.each([
    ['answers nothing', [fact('EMERGENCY_ALERT', 'RECEIVED')], undefined],
    [
      'answers another message',
      [fact('EMERGENCY_ALERT', 'RECEIVED'), fact('RETURN_PLAN', 'RECEIVED')],
      'RETURN_PLAN:RECEIVED:MK',
    ],
    ['answers an alert this node sent itself', [fact('EMERGENCY_ALERT', 'SENT')], 'EMERGENCY_ALERT:SENT:MK'],
    [
      'answers another country’s alert',
      [fact('EMERGENCY_ALERT', 'RECEIVED', 'IT')],
      'EMERGENCY_ALERT:RECEIVED:IT',
    ],
  ])('refuses an update that %s', (_, history, inReplyTo) => {
    const update = { ...event('CASE_UPDATE', 'SENT'), inReplyTo };
    expect(codes({ ...closed, history }, update)).toEqual([CASE_STATE_CONFLICT]);
  });
});

describe('an emergency alert’s acknowledgement (docs/protocol.md extension)', () => {
  it.each([
    ['answers nothing', [fact('EMERGENCY_ALERT', 'RECEIVED')], undefined],
    [
      'answers another message',
      [fact('EMERGENCY_ALERT', 'RECEIVED'), fact('RETURN_PLAN', 'RECEIVED')],
      'RETURN_PLAN:RECEIVED:MK',
    ],
    [
      'answers an alert this node sent itself',
      [fact('EMERGENCY_ALERT', 'RECEIVED'), fact('EMERGENCY_ALERT', 'SENT')],
      'EMERGENCY_ALERT:SENT:MK',
    ],
    [
      'answers another country’s alert',
      [fact('EMERGENCY_ALERT', 'RECEIVED'), fact('EMERGENCY_ALERT', 'RECEIVED', 'IT')],
      'EMERGENCY_ALERT:RECEIVED:IT',
    ],
    ['comes with no alert on the case', [], 'EMERGENCY_ALERT:RECEIVED:MK'],
  ])('is refused on an open case when it %s', (_, history, inReplyTo) => {
    const ack = { ...event('EMERGENCY_ALERT_ACKNOWLEDGEMENT', 'SENT'), inReplyTo };
    expect(codes({ ...OPEN, history }, ack)).toEqual([CASE_STATE_CONFLICT]);
  });

  it.each([['SENT'], ['RECEIVED']] as const)('names the alert, %s: allowed, SOP 2 active', (direction) => {
    const alert = fact('EMERGENCY_ALERT', direction === 'SENT' ? 'RECEIVED' : 'SENT');
    const ack = { ...event('EMERGENCY_ALERT_ACKNOWLEDGEMENT', direction), inReplyTo: alert.id };
    expect(decideLifecycle({ ...OPEN, history: [alert] }, ack)).toEqual({
      allow: true,
      next: { status: 'OPEN', phases: { ...OPEN.phases, '2': 'ACTIVE' } },
    });
  });
});

describe('the age a message reports (age presumption)', () => {
  it.each([
    [null, 'DOCUMENTED_ADULT', 'DOCUMENTED_ADULT'],
    [null, 'PRESUMED_CHILD', 'PRESUMED_CHILD'],
    ['DOCUMENTED_ADULT', 'PRESUMED_CHILD', 'PRESUMED_CHILD'],
    ['DOCUMENTED_ADULT', 'DISPUTED', 'DISPUTED'],
    ['PRESUMED_CHILD', 'DOCUMENTED_CHILD', 'DOCUMENTED_CHILD'],
    ['PRESUMED_CHILD', 'DOCUMENTED_ADULT', 'PRESUMED_CHILD'],
    ['DOCUMENTED_CHILD', 'DOCUMENTED_ADULT', 'DOCUMENTED_CHILD'],
    ['DISPUTED', 'DOCUMENTED_ADULT', 'DISPUTED'],
    ['DOCUMENTED_CHILD', 'PRESUMED_CHILD', 'DOCUMENTED_CHILD'],
    ['DISPUTED', undefined, 'DISPUTED'],
  ] as const)('%s, then a referral saying %s: %s', (current, reported, after) => {
    expect(ageStatusAfterMessage(current, reported)).toBe(after);
  });

  it('refuses to send a referral that presents a child’s case as an adult’s', () => {
    const child: LifecycleState = { ...OPEN, child: true, guardianRecorded: true };
    const adult = event('REFERRAL_REQUEST', 'SENT', adultReferral(25));
    expect(decideLifecycle(child, adult)).toEqual({
      allow: false,
      reasons: [
        {
          code: POLICY_DENIED,
          message: "the case is a child's case: a referral cannot present the person as an adult",
        },
      ],
    });
    expect(codes(child, event('REFERRAL_REQUEST', 'SENT'))).toEqual([]);
  });

  it('one rule for both sides of a border: the case’s age, or a referral that says child', () => {
    const adultReferral = { age: { status: 'DOCUMENTED_ADULT', ageNow: 30 } };
    const childReferral = { age: { status: 'PRESUMED_CHILD' } };
    expect(isChild({ ageStatus: null }, 'REFERRAL_REQUEST', childReferral)).toBe(true);
    expect(isChild({ ageStatus: null }, 'REFERRAL_REQUEST', adultReferral)).toBe(false);
    expect(isChild({ ageStatus: null }, 'CASE_UPDATE', childReferral)).toBe(false);
    expect(isChild({ ageStatus: 'DISPUTED' }, 'CASE_UPDATE', {})).toBe(true);
    expect(isChild({ ageStatus: 'DOCUMENTED_ADULT' }, 'REFERRAL_REQUEST', childReferral)).toBe(true);
  });
});

describe('the identification status a message reports (the case owner identifies)', () => {
  it.each([
    // This node (FR) owns the case: no peer's referral changes it, in either direction.
    ['IDENTIFICATION_IN_PROGRESS', 'NOT_IDENTIFIED', 'MK', 'FR', 'IDENTIFICATION_IN_PROGRESS'],
    ['IDENTIFICATION_IN_PROGRESS', 'IDENTIFIED_VICTIM', 'MK', 'FR', 'IDENTIFICATION_IN_PROGRESS'],
    ['PRESUMED_VICTIM', 'IDENTIFIED_VICTIM', 'IT', 'FR', 'PRESUMED_VICTIM'],
    ['IDENTIFIED_VICTIM', 'PRESUMED_VICTIM', 'MK', 'FR', 'IDENTIFIED_VICTIM'],
    [null, 'IDENTIFIED_VICTIM', 'MK', 'FR', null],
    // The owner's own referral sets it, in either direction.
    ['IDENTIFICATION_IN_PROGRESS', 'IDENTIFIED_VICTIM', 'FR', 'FR', 'IDENTIFIED_VICTIM'],
    ['IDENTIFIED_VICTIM', 'IDENTIFICATION_IN_PROGRESS', 'FR', 'FR', 'IDENTIFICATION_IN_PROGRESS'],
    [null, 'PRESUMED_VICTIM', 'FR', 'FR', 'PRESUMED_VICTIM'],
    // Another country's case (MK's): only MK's referral sets it, not a third country's nor this node's.
    [null, 'IDENTIFIED_VICTIM', 'MK', 'MK', 'IDENTIFIED_VICTIM'],
    ['IDENTIFICATION_IN_PROGRESS', 'NOT_IDENTIFIED', 'MK', 'MK', 'NOT_IDENTIFIED'],
    ['IDENTIFICATION_IN_PROGRESS', 'NOT_IDENTIFIED', 'IT', 'MK', 'IDENTIFICATION_IN_PROGRESS'],
    ['PRESUMED_VICTIM', 'IDENTIFIED_VICTIM', 'FR', 'MK', 'PRESUMED_VICTIM'],
    ['PRESUMED_VICTIM', undefined, 'MK', 'MK', 'PRESUMED_VICTIM'],
  ] as const)('%s, then %s from %s on a case %s owns: %s', (current, reported, sender, owner, after) => {
    expect(identificationStatusAfterMessage(current, reported, sender, owner)).toBe(after);
  });
});

describe('an identification decision recorded by a coordinator (MK on FR’s case)', () => {
  it.each([
    ['FR', 'FR', 'OWNER_STATUS'],
    ['MK', 'FR', 'OWN_VIEW'],
    ['IT', 'FR', 'OWN_VIEW'],
  ] as const)('on %s’s node, a case %s owns: it sets %s', (self, owner, target) => {
    expect(identificationDecisionTarget(self, owner)).toBe(target);
  });

  it.each([
    // No own view: the owner's status decides.
    ['IDENTIFICATION_IN_PROGRESS', null, 'IDENTIFICATION_IN_PROGRESS'],
    [null, null, null],
    // This node's own view decides for its own gates, in either direction.
    ['IDENTIFICATION_IN_PROGRESS', 'IDENTIFIED_VICTIM', 'IDENTIFIED_VICTIM'],
    ['IDENTIFIED_VICTIM', 'IDENTIFICATION_IN_PROGRESS', 'IDENTIFICATION_IN_PROGRESS'],
    [null, 'PRESUMED_VICTIM', 'PRESUMED_VICTIM'],
  ] as const)('owner says %s, own view %s: the gates use %s', (owner, own, used) => {
    expect(gateIdentificationStatus({ identificationStatus: owner, ownIdentificationStatus: own })).toBe(
      used,
    );
  });

  it('its own view lets this node take a return plan; the owner’s node, whose status only the owner changes, still refuses one', () => {
    const plan = event('RETURN_PLAN', 'RECEIVED');
    const atMk = {
      ...OPEN,
      identificationStatus: gateIdentificationStatus({
        identificationStatus: 'IDENTIFICATION_IN_PROGRESS',
        ownIdentificationStatus: 'IDENTIFIED_VICTIM',
      }),
    };
    expect(codes(atMk, plan)).toEqual([]);
    // On FR's node MK's decision never arrives: its status is still the owner's, and nothing MK sends moves it.
    const atFr = {
      ...OPEN,
      identificationStatus: identificationStatusAfterMessage(
        'IDENTIFICATION_IN_PROGRESS',
        'IDENTIFIED_VICTIM',
        'MK',
        'FR',
      ),
    };
    expect(codes(atFr, { ...plan, counterpart: 'MK' })).toEqual([POLICY_DENIED]);
  });
});

describe('the return handshake in order', () => {
  const asked = [fact('REFERRAL_REQUEST', 'SENT')];

  it.each([
    ['declined the referral', [...asked, fact('REFERRAL_DECLINED', 'RECEIVED')]],
    [
      'found the person not eligible',
      [...asked, fact('REFERRAL_CONFIRMATION', 'RECEIVED', 'MK', null, false)],
    ],
    [
      'declined after an eligible confirmation (the latest answer counts)',
      [
        ...asked,
        fact('REFERRAL_CONFIRMATION', 'RECEIVED', 'MK', null, true),
        fact('REFERRAL_DECLINED', 'RECEIVED'),
      ],
    ],
  ])('refuses a return plan to a country that %s, both ways', (_, history) => {
    expect(decideLifecycle({ ...OPEN, history }, event('RETURN_PLAN', 'SENT'))).toEqual({
      allow: false,
      reasons: [
        {
          code: CASE_STATE_CONFLICT,
          message: 'the referral to MK was declined or found the person not eligible: no return plan',
        },
      ],
    });
    // MK's view of the same case: it answered FR, then FR's plan arrives.
    const mirrored = history.map(
      (m) => ({ ...m, direction: m.direction === 'SENT' ? 'RECEIVED' : 'SENT' }) as const,
    );
    expect(codes({ ...OPEN, history: mirrored }, event('RETURN_PLAN', 'RECEIVED'))).toEqual([
      CASE_STATE_CONFLICT,
    ]);
  });

  it('allows a return plan once the country found the person eligible, even after an earlier decline', () => {
    const history = [
      ...asked,
      fact('REFERRAL_DECLINED', 'RECEIVED'),
      fact('REFERRAL_CONFIRMATION', 'RECEIVED', 'MK', null, true),
    ];
    expect(codes({ ...OPEN, history }, event('RETURN_PLAN', 'SENT'))).toEqual([]);
    expect(
      codes({ ...OPEN, history: [fact('REFERRAL_DECLINED', 'RECEIVED', 'IT')] }, event('RETURN_PLAN')),
    ).toEqual([]);
  });

  it.each([
    ['no confirmation of the plan', [fact('RETURN_PLAN', 'RECEIVED')]],
    [
      'a plan refused',
      [fact('RETURN_PLAN', 'RECEIVED'), fact('RETURN_PLAN_CONFIRMATION', 'SENT', 'MK', false)],
    ],
    [
      'a plan accepted, then a revised plan refused',
      [
        fact('RETURN_PLAN', 'RECEIVED'),
        fact('RETURN_PLAN_CONFIRMATION', 'SENT', 'MK', true),
        fact('RETURN_PLAN_CONFIRMATION', 'SENT', 'MK', false),
      ],
    ],
  ])('refuses an arrival after %s', (_, history) => {
    expect(decideLifecycle({ ...OPEN, history }, event('ARRIVAL_CONFIRMATION', 'SENT'))).toEqual({
      allow: false,
      reasons: [
        {
          code: CASE_STATE_CONFLICT,
          message: 'ARRIVAL_CONFIRMATION needs the return plan confirmed as accepted first',
        },
      ],
    });
  });

  it('a referral confirmation completes identification only when eligible and identification is not pending', () => {
    const state = { ...OPEN, phases: { '1': 'ACTIVE' } as const, history: asked };
    const confirm = (change: Payload) =>
      decideLifecycle(state, event('REFERRAL_CONFIRMATION', 'RECEIVED', change));
    expect(confirm({ eligible: false })).toEqual({
      allow: true,
      next: { status: 'OPEN', phases: { '1': 'ACTIVE' } },
    });
    expect(
      decideLifecycle(
        { ...state, identificationStatus: 'PRESUMED_VICTIM' },
        event('REFERRAL_CONFIRMATION', 'RECEIVED'),
      ),
    ).toEqual({
      allow: true,
      next: { status: 'OPEN', phases: { '1': 'ACTIVE' } },
    });
    expect(confirm({ eligible: true })).toEqual({
      allow: true,
      next: { status: 'OPEN', phases: { '1': 'COMPLETED' } },
    });
  });
});

describe('the case facts on what a node receives (issue 15)', () => {
  const pending = { ...OPEN, identificationStatus: 'IDENTIFIED_VICTIM', asylumClaimPending: true };

  it.each<MessageType>(['RETURN_PLAN', 'FAMILY_TRACING_REQUEST', 'IDENTITY_VERIFICATION_REQUEST'])(
    'rejects %s received while this node records an asylum claim pending',
    (type) => {
      const received = event(
        type,
        'RECEIVED',
        type === 'FAMILY_TRACING_REQUEST' ? { asylumClaimPending: false } : {},
      );
      expect(decideLifecycle(pending, received)).toEqual({
        allow: false,
        reasons: [
          {
            code: POLICY_DENIED,
            message: `an asylum claim is pending on the case: no ${type}`,
            rule: 'ASYLUM_CLAIM_PENDING',
          },
        ],
      });
      expect(codes({ ...pending, asylumClaimPending: false }, received)).toEqual([]);
    },
  );

  it('leaves what this node sends to the risk gate', () => {
    expect(codes(pending, event('RETURN_PLAN', 'SENT'))).toEqual([]);
  });

  it('reads the facts only for what it received and they decide', () => {
    expect(MESSAGE_TYPES.filter((type) => needsCaseFacts(type, 'RECEIVED')).sort()).toEqual([
      'FAMILY_TRACING_REQUEST',
      'IDENTITY_VERIFICATION_REQUEST',
      'RETURN_PLAN',
      'TRAVEL_DOCUMENT_REQUEST',
    ]);
    expect(MESSAGE_TYPES.filter((type) => needsCaseFacts(type, 'SENT'))).toEqual([]);
  });
});

describe('decideReopen', () => {
  it('reopens a closed case, not an open one', () => {
    expect(decideReopen('CLOSED')).toEqual({ allow: true });
    expect(decideReopen('OPEN')).toEqual({ allow: false, reason: 'the case is open: nothing to reopen' });
  });
});

describe('composeEvents: what the console may offer to compose now', () => {
  const composable = (state: LifecycleState, type: MessageType): boolean =>
    composeEvents(type, 'MK', { ageStatus: null, history: state.history }).some(
      (e) => decideLifecycle(state, e).allow,
    );
  const request = { ...fact('WITNESS_APPEARANCE_REQUEST', 'RECEIVED'), id: 'witness-request' };
  const alert = { ...fact('EMERGENCY_ALERT', 'RECEIVED'), id: 'alert' };

  it.each<[string, MessageType, CaseMessageFact[], boolean]>([
    ['an answer naming the request MK sent', 'WITNESS_APPEARANCE_RESPONSE', [request], true],
    ['an answer when MK asked nothing', 'WITNESS_APPEARANCE_RESPONSE', [], false],
    [
      'an answer to IT’s request, to MK',
      'WITNESS_APPEARANCE_RESPONSE',
      [{ ...request, counterpart: 'IT' }],
      false,
    ],
    ['a travel document result when MK asked nothing', 'TRAVEL_DOCUMENT_RESULT', [], false],
    ['an alert’s acknowledgement naming MK’s alert', 'EMERGENCY_ALERT_ACKNOWLEDGEMENT', [alert], true],
    ['a report on an open case', 'ASSISTANCE_STEP_REPORT', [], true],
  ])('offers %s: %s', (_name, type, history, offered) => {
    expect(composable({ ...OPEN, history }, type)).toBe(offered);
  });

  it('offers on a closed case a proceedings status (as an offender’s release) and a search result naming an alert', () => {
    const closed: LifecycleState = { ...OPEN, status: 'CLOSED', history: [alert] };
    expect(composable(closed, 'PROCEEDINGS_STATUS')).toBe(true);
    expect(composable(closed, 'MISSING_PERSON_SEARCH_RESULT')).toBe(true);
    expect(composable({ ...closed, history: [] }, 'MISSING_PERSON_SEARCH_RESULT')).toBe(false);
    expect(composable(closed, 'COMPLAINT_TRANSFER')).toBe(false);
    // Word that she was told, once a release notice came from MK.
    expect(composable({ ...closed, history: [] }, 'CASE_UPDATE')).toBe(false);
    const notice = { ...fact('PROCEEDINGS_STATUS', 'RECEIVED'), id: 'notice', release: true };
    expect(composable({ ...closed, history: [notice] }, 'CASE_UPDATE')).toBe(true);
  });

  it('tries a child’s referral as one (a presumption is no refusal)', () => {
    expect(composeEvents('REFERRAL_REQUEST', 'MK', { ageStatus: 'PRESUMED_CHILD', history: [] })).toEqual([
      {
        type: 'REFERRAL_REQUEST',
        direction: 'SENT',
        counterpart: 'MK',
        payload: { age: { status: 'PRESUMED_CHILD' } },
      },
    ]);
  });
});
