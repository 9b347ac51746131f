import { examplePayload } from '../messages/examples';
import { MESSAGE_TYPES, MessageType, TECHNICAL_TYPES } from '../messages/message-types';
import { RejectionCode } from '../messages/rejection-codes';
import {
  CaseMessageFact,
  decideAgeStatusChange,
  decideLifecycle,
  decidePhaseChange,
  Direction,
  inferRoles,
  LifecycleEvent,
  LifecycleState,
  needsHistory,
  requiredRequests,
} from './case-lifecycle.policy';

// The fictional case of src/messages/examples.ts seen from France (FR): a child from North Macedonia (MK).

const { CASE_STATE_CONFLICT, POLICY_DENIED } = RejectionCode;
type Payload = Record<string, unknown>;

const OPEN: LifecycleState = {
  status: 'OPEN',
  phases: {},
  child: false,
  guardianRecorded: false,
  history: [],
};

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
): CaseMessageFact => ({ type, direction, counterpart, accepted });

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
];
const ANSWER_TYPES = new Set(ANSWERS.map(([type]) => type));

describe('which messages answer a request', () => {
  it.each(ANSWERS)('%s answers %j', (type, requests) => {
    expect(requiredRequests(type)).toEqual(requests);
    expect(needsHistory(type)).toBe(true);
  });

  it.each(MESSAGE_TYPES.filter((t) => !ANSWER_TYPES.has(t)))(
    '%s needs no earlier request (and no history)',
    (type) => {
      expect(requiredRequests(type)).toEqual([]);
      expect(needsHistory(type)).toBe(false);
    },
  );
});

describe('decideLifecycle on an open case', () => {
  it.each(
    BUSINESS.filter((t) => !ANSWER_TYPES.has(t)).flatMap((t) => [
      [t, 'SENT'] as const,
      [t, 'RECEIVED'] as const,
    ]),
  )('allows %s %s on a fresh adult case (à la carte: no phase must come first)', (type, direction) => {
    // The example referral is a child's: here the person is a documented adult.
    const adult = type === 'REFERRAL_REQUEST' ? { age: { status: 'DOCUMENTED_ADULT', ageNow: 30 } } : {};
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
    const asked = { ...OPEN, history: [fact(request, direction === 'SENT' ? 'RECEIVED' : 'SENT')] };
    expect(codes(asked, event(type, direction))).toEqual([]);
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

  it('lets a risk assessment result come unasked (both countries’ assessments count)', () => {
    expect(codes(OPEN, event('RISK_ASSESSMENT_RESULT', 'RECEIVED'))).toEqual([]);
  });
});

describe('decideLifecycle on a closed case', () => {
  const closed: LifecycleState = { ...OPEN, status: 'CLOSED' };

  it.each(
    BUSINESS.filter((t) => t !== 'CASE_CLOSED' && t !== 'CONSENT_WITHDRAWN').flatMap((t) => [
      [t, 'SENT'] as const,
      [t, 'RECEIVED'] as const,
    ]),
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
    const referral = event('REFERRAL_REQUEST', 'SENT', { age: { status: 'DOCUMENTED_ADULT', ageNow: 25 } });
    expect(codes(OPEN, referral)).toEqual([]);
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
    expect(next(OPEN, event('REFERRAL_REQUEST', 'SENT', { age: { status: 'DOCUMENTED_ADULT' } }))).toEqual({
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
