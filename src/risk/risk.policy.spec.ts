import { CaseFactRule } from '../cases/case-facts.policy';
import { examplePayload } from '../messages/examples';
import { MESSAGE_TYPES, MessageType } from '../messages/message-types';
import { RejectionCode } from '../messages/rejection-codes';
import {
  AssessmentFacts,
  currentAssessment,
  decideOverrideConfirmation,
  decideRisk,
  isOverridable,
  needsRiskAssessment,
  OverrideConfirmationDecision,
  OverrideConfirmationFacts,
  OverrideFacts,
  RiskDecision,
  RiskFacts,
  RiskReason,
} from './risk.policy';

// The fictional case of src/messages/examples.ts: Ana Petrovska, 17, identified in France (FR), to return to
// North Macedonia (MK). MK's assessment of the family home is the current one unless a test says otherwise.

type Payload = Record<string, unknown>;

const NOW = new Date('2026-12-01T09:00:00.000Z');
const SKEW = 300_000;
const { POLICY_DENIED } = RejectionCode;

/** The example payload of `type` with some fields changed; a field changed to `undefined` is removed. */
function payloadOf(type: MessageType, change: Payload = {}): Payload {
  const payload: Payload = { ...(examplePayload(type) as object), ...change };
  for (const [key, value] of Object.entries(change)) if (value === undefined) delete payload[key];
  return payload;
}

function assessment(change: Partial<AssessmentFacts> = {}): AssessmentFacts {
  return {
    id: 'ra-mk-2026-11-28',
    country: 'MK',
    level: 'LOW',
    factors: [
      { code: 'RF-02', status: 'ABSENT' },
      { code: 'RF-04', status: 'ABSENT' },
      { code: 'RF-19', status: 'PRESENT' },
    ],
    protectionPlan: 'Police patrol near the home for three months; guardian visits weekly.',
    complete: true,
    assessedAt: new Date('2026-11-28T10:00:00.000Z'),
    validUntil: new Date('2027-01-28T10:00:00.000Z'),
    reviewRequiredAt: null,
    ...change,
  };
}

const REASONS = {
  none: (type: MessageType) => `${type} needs a current risk and security assessment recorded by MK`,
  incomplete: 'the current risk assessment is incomplete (a contribution is still missing)',
  critical: 'the person is in immediate danger (CRITICAL): use the emergency path; no override',
  high: (type: MessageType) =>
    `the risk is HIGH: ${type} needs a coordinator's override with a written reason, confirmed by a second coordinator`,
  highPending: (type: MessageType) =>
    `the risk is HIGH: the override for ${type} awaits a second coordinator's confirmation`,
  highReturn: 'the risk is HIGH: a protection plan must be recorded before a return plan, override or not',
  mediumReturn: 'the risk is MEDIUM: a protection plan must be recorded before a return plan',
  identification: 'no return or removal while identification is in progress',
  noIdentificationStatus: "no return before the person's identification status is recorded",
  guardian: 'the return of a child needs the consent of a guardian or legal representative',
  bestInterests: 'the return of a child needs a recorded best-interests determination',
  notInBestInterests: "the best-interests determination found return not in the child's best interests",
  receiver: 'the return of a child needs a named child-protection receiver on arrival',
  asylum: 'no family tracing while an asylum claim is pending',
  wish: 'family tracing only when the person has said she wishes to return to her family',
  familyRisk: 'family tracing for a child needs a family risk assessment first (RF-04 assessed)',
  familyHarm:
    "the family is assessed as a source of harm (RF-04 present): family tracing for a child needs a coordinator's override with a written reason, confirmed by a second coordinator",
  familyHarmPending:
    "the family is assessed as a source of harm (RF-04 present): the override for family tracing awaits a second coordinator's confirmation",
};

const denied = (message: string): RiskReason => ({ code: POLICY_DENIED, message });
const overridable = (message: string): RiskReason => ({ code: POLICY_DENIED, message, overridable: true });
/** The request's own asylumClaimPending flag, still heeded (the case's fact is the source of truth). */
const asylumFlag: RiskReason = { ...denied(REASONS.asylum), rule: CaseFactRule.ASYLUM_CLAIM_PENDING };
const refused = (...reasons: RiskReason[]): RiskDecision => ({ allow: false, reasons });
const allowed = (assessmentId: string | null, overridden = false): RiskDecision => ({
  allow: true,
  assessmentId,
  overridden,
});

describe('needsRiskAssessment', () => {
  const GATED: readonly MessageType[] = [
    'RETURN_PLAN',
    'FAMILY_TRACING_REQUEST',
    'IDENTITY_VERIFICATION_REQUEST',
    // Contact with the country of origin's consular or passport services.
    'TRAVEL_DOCUMENT_REQUEST',
  ];

  it.each<[MessageType, boolean]>(
    MESSAGE_TYPES.filter((type) => type !== 'EVIDENCE_REQUEST').map((type) => [type, GATED.includes(type)]),
  )('%s (the example payload): %s', (type, expected) => {
    expect(needsRiskAssessment(type, payloadOf(type))).toBe(expected);
  });

  it.each<[MessageType, boolean]>([
    ['WITNESS_APPEARANCE_REQUEST', true],
    ['COMPLAINT_TRANSFER', true],
    ['EVIDENCE_REQUEST', true],
    ['PROCEEDINGS_STATUS', false],
    ['COMPENSATION_CLAIM_UPDATE', false],
  ])('%s to a recipient the case records as the country of origin: %s', (type, expected) => {
    expect(needsRiskAssessment(type, payloadOf(type), true)).toBe(expected);
  });

  it.each([
    [true, true],
    [false, false],
  ])('EVIDENCE_REQUEST with targetsOriginAuthorities %s: %s', (targetsOriginAuthorities, expected) => {
    expect(
      needsRiskAssessment('EVIDENCE_REQUEST', payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities })),
    ).toBe(expected);
  });
});

describe('currentAssessment', () => {
  // Decided on MK's node: MK's own newest assessment governs, FR's can only make it stricter.
  const mk = assessment();
  const olderMk = assessment({
    id: 'ra-mk-2026-11-20',
    level: 'HIGH',
    assessedAt: new Date('2026-11-20T14:00:00.000Z'),
    validUntil: new Date('2026-12-20T14:00:00.000Z'),
  });
  const fr = (change: Partial<AssessmentFacts> = {}) =>
    assessment({
      id: 'ra-fr-2026-11-30',
      country: 'FR',
      assessedAt: new Date('2026-11-30T16:00:00.000Z'),
      ...change,
    });

  it.each<[string, AssessmentFacts[], AssessmentFacts | null]>([
    ['none recorded', [], null],
    ['a valid one', [mk], mk],
    ['only an expired one', [assessment({ validUntil: new Date('2026-11-30T10:00:00.000Z') })], null],
    ['one expiring this very moment', [assessment({ validUntil: NOW })], null],
    [
      'only one awaiting review',
      [assessment({ reviewRequiredAt: new Date('2026-11-30T08:00:00.000Z') })],
      null,
    ],
    ['the newest own, whatever the order given (an older HIGH no longer counts)', [olderMk, mk], mk],
    [
      'an older own one when the newer expired',
      [assessment({ validUntil: new Date('2026-11-30T00:00:00.000Z') }), olderMk],
      olderMk,
    ],
    [
      'an older own one when the newer awaits review (consent withdrawn under pressure)',
      [assessment({ reviewRequiredAt: new Date('2026-11-30T08:00:00.000Z') }), olderMk],
      olderMk,
    ],
    ['only a peer’s: none (a peer cannot open the way alone)', [fr()], null],
    [
      'a newer, looser peer one after our CRITICAL: ours',
      [assessment({ level: 'CRITICAL' }), fr()],
      assessment({ level: 'CRITICAL' }),
    ],
    ['a stricter peer one: the peer’s', [mk, fr({ level: 'HIGH' })], fr({ level: 'HIGH' })],
    [
      'a peer one as strict but incomplete: the peer’s',
      [mk, fr({ complete: false })],
      fr({ complete: false }),
    ],
    ['a peer one just as severe: ours', [mk, fr()], mk],
    [
      'a peer’s newer one replaces its own older one, never ours',
      [
        mk,
        fr({ id: 'ra-fr-old', level: 'CRITICAL', assessedAt: new Date('2026-11-29T16:00:00.000Z') }),
        fr(),
      ],
      mk,
    ],
    [
      'an own LOW dated in the future hides no later CRITICAL',
      [
        assessment({ id: 'future', assessedAt: new Date('2027-01-01T00:00:00.000Z') }),
        assessment({ level: 'CRITICAL' }),
      ],
      assessment({ level: 'CRITICAL' }),
    ],
    [
      'an assessedAt within the clock skew counts',
      [assessment({ id: 'skewed', assessedAt: new Date(NOW.getTime() + SKEW) }), olderMk],
      assessment({ id: 'skewed', assessedAt: new Date(NOW.getTime() + SKEW) }),
    ],
    [
      'a peer’s CRITICAL dated in the future does not count',
      [mk, fr({ level: 'CRITICAL', assessedAt: new Date(NOW.getTime() + SKEW + 1) })],
      mk,
    ],
  ])('%s', (_, assessments, expected) => {
    expect(currentAssessment(assessments, 'MK', NOW, SKEW)).toEqual(expected);
  });
});

// A child's return planned with the guardian's consent, a best-interests determination and a receiver.
const CHILD_RETURN: RiskFacts = {
  type: 'RETURN_PLAN',
  payload: payloadOf('RETURN_PLAN'),
  child: true,
  identificationStatus: 'IDENTIFIED_VICTIM',
  assessments: [assessment()],
  overrides: [],
  consentGivenBy: 'GUARDIAN',
  self: 'MK',
  recipientIsOrigin: false,
  now: NOW,
  maxClockSkewMs: SKEW,
};

describe('decideRisk', () => {
  const decide = (change: Partial<RiskFacts>): RiskDecision => decideRisk({ ...CHILD_RETURN, ...change });
  const atLevel = (level: AssessmentFacts['level'], change: Partial<AssessmentFacts> = {}) => [
    assessment({ level, ...change }),
  ];

  it('allows a child’s return with everything in place, naming the assessment relied on', () => {
    expect(decide({})).toEqual(allowed('ra-mk-2026-11-28'));
  });

  it.each(MESSAGE_TYPES.filter((type) => !needsRiskAssessment(type, payloadOf(type))))(
    'lets %s through without any assessment, even in immediate danger',
    (type) => {
      expect(decide({ type, payload: payloadOf(type), assessments: [] })).toEqual(allowed(null));
      expect(decide({ type, payload: payloadOf(type), assessments: atLevel('CRITICAL') })).toEqual(
        allowed(null),
      );
    },
  );

  it('lets an evidence request that stays with the destination’s authorities through at CRITICAL', () => {
    const payload = payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: false });
    expect(decide({ type: 'EVIDENCE_REQUEST', payload, assessments: atLevel('CRITICAL') })).toEqual(
      allowed(null),
    );
  });

  describe('the assessment', () => {
    it.each<[string, AssessmentFacts[]]>([
      ['none recorded', []],
      ['only an expired one', [assessment({ validUntil: new Date('2026-11-30T10:00:00.000Z') })]],
      ['only one awaiting review', [assessment({ reviewRequiredAt: new Date('2026-11-30T08:00:00.000Z') })]],
    ])('refuses a return with %s', (_, assessments) => {
      expect(decide({ assessments })).toEqual(refused(denied(REASONS.none('RETURN_PLAN'))));
    });

    it('refuses a return on an incomplete assessment (family tracing contribution pending)', () => {
      expect(decide({ assessments: atLevel('LOW', { complete: false }) })).toEqual(
        refused(denied(REASONS.incomplete)),
      );
    });

    it.each<[MessageType, Payload]>([
      ['IDENTITY_VERIFICATION_REQUEST', payloadOf('IDENTITY_VERIFICATION_REQUEST')],
      ['EVIDENCE_REQUEST', payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true })],
    ])('refuses %s on an incomplete assessment', (type, payload) => {
      expect(decide({ type, payload, assessments: atLevel('LOW', { complete: false }) })).toEqual(
        refused(denied(REASONS.incomplete)),
      );
    });

    it.each<[string, Partial<RiskFacts>]>([
      ['for an adult', { child: false }],
      ['for a child whose family risk (RF-04) is assessed absent', {}],
    ])(
      'lets family tracing go ahead on an incomplete assessment (the tracing is the missing part) %s',
      (_, change) => {
        expect(
          decide({
            type: 'FAMILY_TRACING_REQUEST',
            payload: payloadOf('FAMILY_TRACING_REQUEST'),
            assessments: atLevel('LOW', { complete: false }),
            ...change,
          }),
        ).toEqual(allowed('ra-mk-2026-11-28'));
      },
    );

    it('still asks an incomplete assessment to have assessed RF-04 before tracing a child’s family', () => {
      expect(
        decide({
          type: 'FAMILY_TRACING_REQUEST',
          payload: payloadOf('FAMILY_TRACING_REQUEST'),
          assessments: atLevel('LOW', { complete: false, factors: [{ code: 'RF-04', status: 'UNKNOWN' }] }),
        }),
      ).toEqual(refused(denied(REASONS.familyRisk)));
    });
  });

  describe('levels', () => {
    const override = (change: Partial<OverrideFacts> = {}): OverrideFacts => ({
      assessmentId: 'ra-mk-2026-11-28',
      messageType: 'RETURN_PLAN',
      confirmed: true,
      ...change,
    });

    it.each<[string, Partial<RiskFacts>, RiskDecision]>([
      ['LOW', { assessments: atLevel('LOW') }, allowed('ra-mk-2026-11-28')],
      [
        'LOW without a protection plan',
        { assessments: atLevel('LOW', { protectionPlan: null }) },
        allowed('ra-mk-2026-11-28'),
      ],
      ['MEDIUM with a protection plan', { assessments: atLevel('MEDIUM') }, allowed('ra-mk-2026-11-28')],
      [
        'MEDIUM without a protection plan',
        { assessments: atLevel('MEDIUM', { protectionPlan: null }) },
        refused(denied(REASONS.mediumReturn)),
      ],
      [
        'MEDIUM with an empty protection plan',
        { assessments: atLevel('MEDIUM', { protectionPlan: '' }) },
        refused(denied(REASONS.mediumReturn)),
      ],
      [
        'HIGH: refused, and a coordinator may override',
        { assessments: atLevel('HIGH') },
        refused(overridable(REASONS.high('RETURN_PLAN'))),
      ],
      [
        'HIGH with the coordinator’s override for this assessment and this type',
        { assessments: atLevel('HIGH'), overrides: [override()] },
        allowed('ra-mk-2026-11-28', true),
      ],
      [
        'HIGH with an override still awaiting a second coordinator’s confirmation',
        { assessments: atLevel('HIGH'), overrides: [override({ confirmed: false })] },
        refused(overridable(REASONS.highPending('RETURN_PLAN'))),
      ],
      [
        'HIGH with a pending and a confirmed override: the confirmed one counts',
        { assessments: atLevel('HIGH'), overrides: [override({ confirmed: false }), override()] },
        allowed('ra-mk-2026-11-28', true),
      ],
      [
        'HIGH without a protection plan: refused, and an override would not be enough',
        { assessments: atLevel('HIGH', { protectionPlan: null }) },
        refused(overridable(REASONS.high('RETURN_PLAN')), denied(REASONS.highReturn)),
      ],
      [
        'HIGH without a protection plan, even with the coordinator’s override',
        { assessments: atLevel('HIGH', { protectionPlan: null }), overrides: [override()] },
        refused(denied(REASONS.highReturn)),
      ],
      [
        'HIGH with an empty protection plan and the coordinator’s override',
        { assessments: atLevel('HIGH', { protectionPlan: '' }), overrides: [override()] },
        refused(denied(REASONS.highReturn)),
      ],
      [
        'HIGH with an override given for family tracing only',
        { assessments: atLevel('HIGH'), overrides: [override({ messageType: 'FAMILY_TRACING_REQUEST' })] },
        refused(overridable(REASONS.high('RETURN_PLAN'))),
      ],
      [
        'HIGH with an override given on an older, superseded assessment',
        {
          assessments: [
            assessment({
              id: 'ra-mk-2026-11-30',
              level: 'HIGH',
              assessedAt: new Date('2026-11-30T10:00:00.000Z'),
            }),
            assessment({ level: 'HIGH' }),
          ],
          overrides: [override()],
        },
        refused(overridable(REASONS.high('RETURN_PLAN'))),
      ],
      ['CRITICAL', { assessments: atLevel('CRITICAL') }, refused(denied(REASONS.critical))],
      [
        'CRITICAL, even with an override record for it',
        { assessments: atLevel('CRITICAL'), overrides: [override()] },
        refused(denied(REASONS.critical)),
      ],
    ])('RETURN_PLAN at %s', (_, change, expected) => {
      expect(decide(change)).toEqual(expected);
    });

    it('does not mark a CRITICAL refusal as overridable', () => {
      const decision = decide({ assessments: atLevel('CRITICAL'), overrides: [override()] });
      expect(decision.allow ? [] : decision.reasons.map((r) => r.overridable)).toEqual([undefined]);
    });

    it.each<[MessageType, Payload]>([
      ['FAMILY_TRACING_REQUEST', payloadOf('FAMILY_TRACING_REQUEST')],
      ['EVIDENCE_REQUEST', payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true })],
      ['IDENTITY_VERIFICATION_REQUEST', payloadOf('IDENTITY_VERIFICATION_REQUEST')],
    ])('asks for a protection plan at HIGH only before a return: %s with an override', (type, payload) => {
      expect(
        decide({
          type,
          payload,
          assessments: atLevel('HIGH', { protectionPlan: null }),
          overrides: [override({ messageType: type })],
        }),
      ).toEqual(allowed('ra-mk-2026-11-28', true));
    });

    it('asks for a protection plan at MEDIUM only before a return', () => {
      const payload = payloadOf('FAMILY_TRACING_REQUEST');
      expect(
        decide({
          type: 'FAMILY_TRACING_REQUEST',
          payload,
          assessments: atLevel('MEDIUM', { protectionPlan: null }),
        }),
      ).toEqual(allowed('ra-mk-2026-11-28'));
    });
  });

  describe('no removal while identification is in progress', () => {
    it.each(['PRESUMED_VICTIM', 'IDENTIFICATION_IN_PROGRESS'])('refuses a return plan for a %s', (status) => {
      expect(decide({ identificationStatus: status })).toEqual(refused(denied(REASONS.identification)));
    });

    it('refuses a return plan while the identification status is not recorded', () => {
      expect(decide({ identificationStatus: null })).toEqual(refused(denied(REASONS.noIdentificationStatus)));
    });

    it('refuses an adult’s return plan with no identification status and no assessment, for both reasons', () => {
      expect(decide({ child: false, identificationStatus: null, assessments: [] })).toEqual(
        refused(denied(REASONS.noIdentificationStatus), denied(REASONS.none('RETURN_PLAN'))),
      );
    });

    it.each<[MessageType, Payload]>([
      ['FAMILY_TRACING_REQUEST', payloadOf('FAMILY_TRACING_REQUEST')],
      ['IDENTITY_VERIFICATION_REQUEST', payloadOf('IDENTITY_VERIFICATION_REQUEST')],
      ['EVIDENCE_REQUEST', payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true })],
    ])('does not hold back %s while the identification status is not recorded', (type, payload) => {
      expect(decide({ type, payload, identificationStatus: null })).toEqual(allowed('ra-mk-2026-11-28'));
    });

    it.each(['IDENTIFIED_VICTIM', 'NOT_IDENTIFIED'])(
      'allows a return plan once the status is %s',
      (status) => {
        expect(decide({ identificationStatus: status })).toEqual(allowed('ra-mk-2026-11-28'));
      },
    );

    it('does not hold back family tracing during identification (only removal)', () => {
      expect(
        decide({
          type: 'FAMILY_TRACING_REQUEST',
          payload: payloadOf('FAMILY_TRACING_REQUEST'),
          identificationStatus: 'PRESUMED_VICTIM',
        }),
      ).toEqual(allowed('ra-mk-2026-11-28'));
    });
  });

  describe('the return of a child', () => {
    it.each<[string, Partial<RiskFacts>, RiskReason[]]>([
      ['consent given by the child herself', { consentGivenBy: 'VICTIM' }, [denied(REASONS.guardian)]],
      ['no consent relied on (vital interest)', { consentGivenBy: null }, [denied(REASONS.guardian)]],
      [
        'no best-interests determination',
        { payload: payloadOf('RETURN_PLAN', { bestInterestsDetermination: undefined }) },
        [denied(REASONS.bestInterests)],
      ],
      [
        'a best-interests determination that found return not in her best interests',
        {
          payload: payloadOf('RETURN_PLAN', {
            bestInterestsDetermination: {
              date: '2026-11-29',
              outcome: 'RETURN_NOT_IN_BEST_INTERESTS',
              by: 'Juge des enfants',
            },
          }),
        },
        [denied(REASONS.notInBestInterests)],
      ],
      [
        'a best-interests determination without an outcome',
        {
          payload: payloadOf('RETURN_PLAN', {
            bestInterestsDetermination: { date: '2026-11-29', by: 'Juge des enfants' },
          }),
        },
        [denied(REASONS.notInBestInterests)],
      ],
      [
        'a best-interests determination that found against return, even at LOW with an override',
        {
          payload: payloadOf('RETURN_PLAN', {
            bestInterestsDetermination: {
              date: '2026-11-29',
              outcome: 'RETURN_NOT_IN_BEST_INTERESTS',
              by: 'Juge des enfants',
            },
          }),
          overrides: [{ assessmentId: 'ra-mk-2026-11-28', messageType: 'RETURN_PLAN', confirmed: true }],
        },
        [denied(REASONS.notInBestInterests)],
      ],
      [
        'no child-protection receiver named',
        { payload: payloadOf('RETURN_PLAN', { childProtectionReceiver: undefined }) },
        [denied(REASONS.receiver)],
      ],
      [
        'none of the three',
        {
          consentGivenBy: 'VICTIM',
          payload: payloadOf('RETURN_PLAN', {
            bestInterestsDetermination: undefined,
            childProtectionReceiver: undefined,
          }),
        },
        [denied(REASONS.guardian), denied(REASONS.bestInterests), denied(REASONS.receiver)],
      ],
    ])('is refused with %s', (_, change, reasons) => {
      expect(decide(change)).toEqual(refused(...reasons));
    });

    it.each<[string, Partial<RiskFacts>]>([
      ['with a legal representative’s consent', { consentGivenBy: 'LEGAL_REPRESENTATIVE' }],
      ['with a guardian’s consent', { consentGivenBy: 'GUARDIAN' }],
    ])('is allowed %s', (_, change) => {
      expect(decide(change)).toEqual(allowed('ra-mk-2026-11-28'));
    });

    it('does not ask an adult’s return for a guardian, a determination or a child-protection receiver', () => {
      const payload = payloadOf('RETURN_PLAN', {
        bestInterestsDetermination: undefined,
        childProtectionReceiver: undefined,
      });
      expect(decide({ child: false, consentGivenBy: 'VICTIM', payload })).toEqual(
        allowed('ra-mk-2026-11-28'),
      );
    });
  });

  describe('family tracing', () => {
    const tracing = (change: Partial<RiskFacts> = {}, payload: Payload = {}): RiskDecision =>
      decide({
        type: 'FAMILY_TRACING_REQUEST',
        payload: payloadOf('FAMILY_TRACING_REQUEST', payload),
        ...change,
      });
    const withFamilyFactor = (status?: 'PRESENT' | 'ABSENT' | 'UNKNOWN') =>
      atLevel('LOW', {
        factors: [
          { code: 'RF-02', status: 'ABSENT' },
          ...(status ? [{ code: 'RF-04', status }] : []),
          { code: 'RF-19', status: 'PRESENT' },
        ],
      });

    it('allows tracing a child’s mother once the family risk (RF-04) is assessed absent', () => {
      expect(tracing({ assessments: withFamilyFactor('ABSENT') })).toEqual(allowed('ra-mk-2026-11-28'));
    });

    it.each<[string, Partial<RiskFacts>, Payload, RiskReason[]]>([
      ['an asylum claim pending (adult)', { child: false }, { asylumClaimPending: true }, [asylumFlag]],
      ['an asylum claim pending (child)', {}, { asylumClaimPending: true }, [asylumFlag]],
      // The schema's equals(true) is bypassed here: the rule itself refuses, whatever validated the payload.
      [
        'no wish to return to her family (adult)',
        { child: false },
        { wishToReturnToFamily: false },
        [denied(REASONS.wish)],
      ],
      [
        'no wish recorded at all (adult)',
        { child: false },
        { wishToReturnToFamily: undefined },
        [denied(REASONS.wish)],
      ],
      [
        'a wish that is not a plain yes',
        { child: false },
        { wishToReturnToFamily: 'true' },
        [denied(REASONS.wish)],
      ],
      [
        'no wish and an asylum claim pending',
        { child: false },
        { wishToReturnToFamily: false, asylumClaimPending: true },
        [denied(REASONS.wish), asylumFlag],
      ],
      [
        'a child whose family risk (RF-04) is unknown',
        { assessments: withFamilyFactor('UNKNOWN') },
        {},
        [denied(REASONS.familyRisk)],
      ],
      [
        'a child whose family risk (RF-04) was not assessed',
        { assessments: withFamilyFactor() },
        {},
        [denied(REASONS.familyRisk)],
      ],
      ['no current assessment', { assessments: [] }, {}, [denied(REASONS.none('FAMILY_TRACING_REQUEST'))]],
      [
        'a HIGH assessment',
        { assessments: atLevel('HIGH') },
        {},
        [overridable(REASONS.high('FAMILY_TRACING_REQUEST'))],
      ],
    ])('is refused with %s', (_, change, payload, reasons) => {
      expect(tracing(change, payload)).toEqual(refused(...reasons));
    });

    describe('a child whose family is assessed as a source of harm (RF-04 present)', () => {
      const tracingOverride = (change: Partial<OverrideFacts> = {}): OverrideFacts => ({
        assessmentId: 'ra-mk-2026-11-28',
        messageType: 'FAMILY_TRACING_REQUEST',
        confirmed: true,
        ...change,
      });

      it.each<[string, Partial<RiskFacts>, RiskDecision]>([
        [
          'no override',
          { assessments: withFamilyFactor('PRESENT') },
          refused(overridable(REASONS.familyHarm)),
        ],
        [
          'a coordinator’s override for family tracing on this assessment',
          { assessments: withFamilyFactor('PRESENT'), overrides: [tracingOverride()] },
          allowed('ra-mk-2026-11-28', true),
        ],
        [
          'a coordinator’s override still awaiting a second coordinator’s confirmation',
          { assessments: withFamilyFactor('PRESENT'), overrides: [tracingOverride({ confirmed: false })] },
          refused(overridable(REASONS.familyHarmPending)),
        ],
        [
          'an override given for the return only',
          {
            assessments: withFamilyFactor('PRESENT'),
            overrides: [tracingOverride({ messageType: 'RETURN_PLAN' })],
          },
          refused(overridable(REASONS.familyHarm)),
        ],
        [
          'an override given on an older, superseded assessment',
          {
            assessments: [
              ...withFamilyFactor('PRESENT').map((a) => ({
                ...a,
                id: 'ra-mk-2026-11-30',
                assessedAt: new Date('2026-11-30T10:00:00.000Z'),
              })),
              ...withFamilyFactor('PRESENT'),
            ],
            overrides: [tracingOverride()],
          },
          refused(overridable(REASONS.familyHarm)),
        ],
        [
          'at HIGH with no override: both overridable reasons',
          { assessments: atLevel('HIGH', { factors: [{ code: 'RF-04', status: 'PRESENT' }] }) },
          refused(overridable(REASONS.high('FAMILY_TRACING_REQUEST')), overridable(REASONS.familyHarm)),
        ],
        [
          'at HIGH with the coordinator’s override: one override lifts both',
          {
            assessments: atLevel('HIGH', { factors: [{ code: 'RF-04', status: 'PRESENT' }] }),
            overrides: [tracingOverride()],
          },
          allowed('ra-mk-2026-11-28', true),
        ],
        [
          'at CRITICAL, even with an override',
          {
            assessments: atLevel('CRITICAL', { factors: [{ code: 'RF-04', status: 'PRESENT' }] }),
            overrides: [tracingOverride()],
          },
          refused(denied(REASONS.critical)),
        ],
        [
          'no wish to return to her family, even with an override',
          {
            payload: payloadOf('FAMILY_TRACING_REQUEST', { wishToReturnToFamily: false }),
            assessments: withFamilyFactor('PRESENT'),
            overrides: [tracingOverride()],
          },
          refused(denied(REASONS.wish)),
        ],
        [
          'an asylum claim pending, even with an override',
          {
            payload: payloadOf('FAMILY_TRACING_REQUEST', { asylumClaimPending: true }),
            assessments: withFamilyFactor('PRESENT'),
            overrides: [tracingOverride()],
          },
          refused(asylumFlag),
        ],
      ])('with %s', (_, change, expected) => {
        expect(tracing(change)).toEqual(expected);
      });

      it('does not hold back an adult’s family tracing', () => {
        expect(tracing({ child: false, assessments: withFamilyFactor('PRESENT') })).toEqual(
          allowed('ra-mk-2026-11-28'),
        );
      });

      it('marks an allowed tracing as overridden only when an override was needed', () => {
        expect(tracing({ assessments: withFamilyFactor('ABSENT'), overrides: [tracingOverride()] })).toEqual(
          allowed('ra-mk-2026-11-28'),
        );
      });
    });

    it('does not need RF-04 for an adult', () => {
      expect(tracing({ child: false, assessments: withFamilyFactor('UNKNOWN') })).toEqual(
        allowed('ra-mk-2026-11-28'),
      );
    });

    it('is allowed at HIGH with an override for family tracing on this assessment', () => {
      expect(
        tracing({
          assessments: atLevel('HIGH'),
          overrides: [
            { assessmentId: 'ra-mk-2026-11-28', messageType: 'FAMILY_TRACING_REQUEST', confirmed: true },
          ],
        }),
      ).toEqual(allowed('ra-mk-2026-11-28', true));
    });
  });

  describe('contact with the country of origin’s authorities', () => {
    const evidence = payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true });
    const verification = payloadOf('IDENTITY_VERIFICATION_REQUEST');

    it.each<[string, MessageType, Payload, Partial<RiskFacts>, RiskDecision]>([
      ['evidence request at LOW', 'EVIDENCE_REQUEST', evidence, {}, allowed('ra-mk-2026-11-28')],
      [
        'evidence request at MEDIUM',
        'EVIDENCE_REQUEST',
        evidence,
        { assessments: atLevel('MEDIUM', { protectionPlan: null }) },
        allowed('ra-mk-2026-11-28'),
      ],
      [
        'evidence request at HIGH',
        'EVIDENCE_REQUEST',
        evidence,
        { assessments: atLevel('HIGH') },
        refused(overridable(REASONS.high('EVIDENCE_REQUEST'))),
      ],
      [
        'evidence request at HIGH with a senior coordinator’s override',
        'EVIDENCE_REQUEST',
        evidence,
        {
          assessments: atLevel('HIGH'),
          overrides: [{ assessmentId: 'ra-mk-2026-11-28', messageType: 'EVIDENCE_REQUEST', confirmed: true }],
        },
        allowed('ra-mk-2026-11-28', true),
      ],
      [
        'evidence request at HIGH with an override given for the return',
        'EVIDENCE_REQUEST',
        evidence,
        {
          assessments: atLevel('HIGH'),
          overrides: [{ assessmentId: 'ra-mk-2026-11-28', messageType: 'RETURN_PLAN', confirmed: true }],
        },
        refused(overridable(REASONS.high('EVIDENCE_REQUEST'))),
      ],
      [
        'evidence request at CRITICAL',
        'EVIDENCE_REQUEST',
        evidence,
        { assessments: atLevel('CRITICAL') },
        refused(denied(REASONS.critical)),
      ],
      [
        'evidence request without an assessment',
        'EVIDENCE_REQUEST',
        evidence,
        { assessments: [] },
        refused(denied(REASONS.none('EVIDENCE_REQUEST'))),
      ],
      [
        'identity verification at HIGH',
        'IDENTITY_VERIFICATION_REQUEST',
        verification,
        { assessments: atLevel('HIGH') },
        refused(overridable(REASONS.high('IDENTITY_VERIFICATION_REQUEST'))),
      ],
      [
        'identity verification without an assessment',
        'IDENTITY_VERIFICATION_REQUEST',
        verification,
        { assessments: [] },
        refused(denied(REASONS.none('IDENTITY_VERIFICATION_REQUEST'))),
      ],
    ])('%s', (_, type, payload, change, expected) => {
      expect(decide({ type, payload, ...change })).toEqual(expected);
    });
  });

  describe('several reasons at once, so a coordinator sees everything in the way', () => {
    it('a child’s return during identification, on her own consent, with nothing recorded, at HIGH, incomplete', () => {
      expect(
        decide({
          identificationStatus: 'IDENTIFICATION_IN_PROGRESS',
          consentGivenBy: 'VICTIM',
          payload: payloadOf('RETURN_PLAN', {
            bestInterestsDetermination: undefined,
            childProtectionReceiver: undefined,
          }),
          assessments: atLevel('HIGH', { complete: false }),
        }),
      ).toEqual(
        refused(
          denied(REASONS.identification),
          denied(REASONS.guardian),
          denied(REASONS.bestInterests),
          denied(REASONS.receiver),
          denied(REASONS.incomplete),
          overridable(REASONS.high('RETURN_PLAN')),
        ),
      );
    });

    it('a child’s return with no identification status, found against by the determination, HIGH with no plan', () => {
      expect(
        decide({
          identificationStatus: null,
          payload: payloadOf('RETURN_PLAN', {
            bestInterestsDetermination: {
              date: '2026-11-29',
              outcome: 'RETURN_NOT_IN_BEST_INTERESTS',
              by: 'Juge des enfants',
            },
          }),
          assessments: atLevel('HIGH', { protectionPlan: null }),
        }),
      ).toEqual(
        refused(
          denied(REASONS.noIdentificationStatus),
          denied(REASONS.notInBestInterests),
          overridable(REASONS.high('RETURN_PLAN')),
          denied(REASONS.highReturn),
        ),
      );
    });

    it('a return during identification with no assessment at all', () => {
      expect(decide({ identificationStatus: 'PRESUMED_VICTIM', assessments: [] })).toEqual(
        refused(denied(REASONS.identification), denied(REASONS.none('RETURN_PLAN'))),
      );
    });

    it('a child’s family tracing with an asylum claim pending, in immediate danger, family risk unknown', () => {
      expect(
        decide({
          type: 'FAMILY_TRACING_REQUEST',
          payload: payloadOf('FAMILY_TRACING_REQUEST', { asylumClaimPending: true }),
          assessments: atLevel('CRITICAL', { factors: [{ code: 'RF-04', status: 'UNKNOWN' }] }),
        }),
      ).toEqual(refused(asylumFlag, denied(REASONS.critical), denied(REASONS.familyRisk)));
    });

    it('an override lifts only the HIGH reason, never the others', () => {
      expect(
        decide({
          identificationStatus: 'PRESUMED_VICTIM',
          assessments: atLevel('HIGH'),
          overrides: [{ assessmentId: 'ra-mk-2026-11-28', messageType: 'RETURN_PLAN', confirmed: true }],
        }),
      ).toEqual(refused(denied(REASONS.identification)));
    });
  });
});

describe('decideRisk: whose assessment counts, and evidence contact by the case’s country roles', () => {
  // An adult's return, on her own consent.
  const facts = (change: Partial<RiskFacts>): RiskFacts => ({
    ...CHILD_RETURN,
    child: false,
    consentGivenBy: 'VICTIM',
    ...change,
  });
  const peerLow = assessment({
    id: 'peer-low',
    country: 'FR',
    assessedAt: new Date('2026-11-30T16:00:00.000Z'),
  });

  it('a peer’s LOW sent after our CRITICAL leaves the return refused', () => {
    expect(decideRisk(facts({ assessments: [assessment({ level: 'CRITICAL' }), peerLow] }))).toEqual(
      refused(denied(REASONS.critical)),
    );
  });

  it('a peer’s CRITICAL refuses a return we assessed as LOW', () => {
    const peerCritical = assessment({ id: 'peer-critical', country: 'FR', level: 'CRITICAL' });
    expect(decideRisk(facts({ assessments: [assessment(), peerCritical] }))).toEqual(
      refused(denied(REASONS.critical)),
    );
  });

  it('a peer’s assessment alone does not allow a return', () => {
    expect(decideRisk(facts({ assessments: [peerLow] }))).toEqual(
      refused(denied(REASONS.none('RETURN_PLAN'))),
    );
  });

  it('our LOW dated in the future does not hide our later CRITICAL', () => {
    const futureLow = assessment({ id: 'future-low', assessedAt: new Date('2027-01-01T00:00:00.000Z') });
    expect(decideRisk(facts({ assessments: [assessment({ level: 'CRITICAL' }), futureLow] }))).toEqual(
      refused(denied(REASONS.critical)),
    );
  });

  const evidence = payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: false });

  it('an evidence request to the country of origin needs an assessment whatever the flag says', () => {
    expect(needsRiskAssessment('EVIDENCE_REQUEST', evidence, true)).toBe(true);
    expect(needsRiskAssessment('EVIDENCE_REQUEST', evidence, false)).toBe(false);
    expect(
      decideRisk(
        facts({ type: 'EVIDENCE_REQUEST', payload: evidence, recipientIsOrigin: true, assessments: [] }),
      ),
    ).toEqual(refused(denied(REASONS.none('EVIDENCE_REQUEST'))));
    expect(
      decideRisk(
        facts({
          type: 'EVIDENCE_REQUEST',
          payload: evidence,
          recipientIsOrigin: true,
          assessments: [assessment({ level: 'CRITICAL' })],
        }),
      ),
    ).toEqual(refused(denied(REASONS.critical)));
  });

  it('an evidence request to another country with the flag false needs none', () => {
    expect(decideRisk(facts({ type: 'EVIDENCE_REQUEST', payload: evidence, assessments: [] }))).toEqual(
      allowed(null),
    );
  });
});

describe('decideOverrideConfirmation (four eyes)', () => {
  const current = assessment({ level: 'HIGH' });
  const facts = (change: Partial<OverrideConfirmationFacts> = {}): OverrideConfirmationFacts => ({
    override: {
      assessmentId: current.id,
      messageType: 'RETURN_PLAN',
      requestedBy: 'api:coordinator',
      confirmedBy: null,
    },
    confirmer: 'api:coordinator-2',
    current,
    ...change,
  });
  const refusedWith = (code: string): Partial<OverrideConfirmationDecision> =>
    ({ allow: false, code }) as never;

  it.each<[string, Partial<OverrideConfirmationFacts>, Partial<OverrideConfirmationDecision>]>([
    ['a second coordinator, on the current HIGH assessment', {}, { allow: true }],
    [
      'the coordinator who requested it',
      { confirmer: 'api:coordinator' },
      refusedWith('OVERRIDE_SELF_CONFIRMATION'),
    ],
    [
      'an override already confirmed',
      { override: { ...facts().override, confirmedBy: 'api:coordinator-3' } },
      refusedWith('OVERRIDE_ALREADY_CONFIRMED'),
    ],
    [
      'the requester, on an override someone else confirmed already',
      { confirmer: 'api:coordinator', override: { ...facts().override, confirmedBy: 'api:coordinator-3' } },
      refusedWith('OVERRIDE_ALREADY_CONFIRMED'),
    ],
    ['no current assessment any more', { current: null }, refusedWith('OVERRIDE_STALE')],
    [
      'a newer assessment in the meantime',
      { current: assessment({ id: 'ra-mk-2026-11-30', level: 'HIGH' }) },
      refusedWith('OVERRIDE_STALE'),
    ],
    [
      'the same assessment, now read as CRITICAL',
      { current: assessment({ level: 'CRITICAL' }) },
      refusedWith('NOT_OVERRIDABLE'),
    ],
    [
      'the same assessment at LOW, for a return',
      { current: assessment({ level: 'LOW' }) },
      refusedWith('NOT_OVERRIDABLE'),
    ],
  ])('%s', (_, change, expected) => {
    expect(decideOverrideConfirmation(facts(change))).toMatchObject(expected);
  });
});

describe('isOverridable', () => {
  it.each<[string, AssessmentFacts, string, boolean]>([
    ['HIGH, any gated type', assessment({ level: 'HIGH' }), 'EVIDENCE_REQUEST', true],
    ['CRITICAL, never', assessment({ level: 'CRITICAL' }), 'RETURN_PLAN', false],
    ['MEDIUM, a return', assessment({ level: 'MEDIUM' }), 'RETURN_PLAN', false],
    [
      'LOW with the family a source of harm, family tracing',
      assessment({ level: 'LOW', factors: [{ code: 'RF-04', status: 'PRESENT' }] }),
      'FAMILY_TRACING_REQUEST',
      true,
    ],
    [
      'CRITICAL with the family a source of harm, family tracing',
      assessment({ level: 'CRITICAL', factors: [{ code: 'RF-04', status: 'PRESENT' }] }),
      'FAMILY_TRACING_REQUEST',
      false,
    ],
    [
      'LOW with the family tied to the trafficker (RF-05), a return elsewhere',
      assessment({ level: 'LOW', factors: [{ code: 'RF-05', status: 'PRESENT' }] }),
      'RETURN_PLAN',
      true,
    ],
    [
      'LOW with the family tied to the trafficker (RF-05), family tracing: never',
      assessment({ level: 'LOW', factors: [{ code: 'RF-05', status: 'PRESENT' }] }),
      'FAMILY_TRACING_REQUEST',
      false,
    ],
    [
      'MEDIUM with the family threatened in the origin (RF-02), evidence contact',
      assessment({ level: 'MEDIUM', factors: [{ code: 'RF-02', status: 'PRESENT' }] }),
      'EVIDENCE_REQUEST',
      true,
    ],
    [
      'LOW with RF-02 absent, evidence contact',
      assessment({ level: 'LOW', factors: [{ code: 'RF-02', status: 'ABSENT' }] }),
      'EVIDENCE_REQUEST',
      false,
    ],
  ])('%s', (_, current, type, expected) => {
    expect(isOverridable(current, type)).toBe(expected);
  });
});

describe('decideRisk: the facts of the case (issue 15)', () => {
  // An adult's return, on her own consent, decided on FR's node with FR's LOW assessment.
  const own = (change: Partial<AssessmentFacts> = {}) =>
    assessment({ id: 'ra-fr', country: 'FR', recordedAt: new Date('2026-11-28T10:00:00.000Z'), ...change });
  const facts = (change: Partial<RiskFacts>): RiskFacts => ({
    ...CHILD_RETURN,
    child: false,
    consentGivenBy: 'VICTIM',
    self: 'FR',
    assessments: [own()],
    ...change,
  });
  const rule = (reason: RiskReason, r: CaseFactRule): RiskReason => ({ ...reason, rule: r });
  const asylum = (type: MessageType) =>
    rule(denied(`an asylum claim is pending on the case: no ${type}`), CaseFactRule.ASYLUM_CLAIM_PENDING);

  describe('an asylum claim pending', () => {
    it.each<MessageType>(['RETURN_PLAN', 'FAMILY_TRACING_REQUEST', 'IDENTITY_VERIFICATION_REQUEST'])(
      'refuses %s, whatever the payload says',
      (type) => {
        const payload = payloadOf(
          type,
          type === 'FAMILY_TRACING_REQUEST' ? { asylumClaimPending: false } : {},
        );
        expect(decideRisk(facts({ type, payload, asylumClaimPending: true }))).toEqual(refused(asylum(type)));
        expect(decideRisk(facts({ type, payload, asylumClaimPending: false }))).toEqual(allowed('ra-fr'));
      },
    );

    it('says it once when the fact and the flag of a family tracing request agree', () => {
      const payload = payloadOf('FAMILY_TRACING_REQUEST', { asylumClaimPending: true });
      expect(
        decideRisk(facts({ type: 'FAMILY_TRACING_REQUEST', payload, asylumClaimPending: true })),
      ).toEqual(refused(asylum('FAMILY_TRACING_REQUEST')));
    });

    it('leaves an evidence request to the origin to its own rules', () => {
      const payload = payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true });
      expect(decideRisk(facts({ type: 'EVIDENCE_REQUEST', payload, asylumClaimPending: true }))).toEqual(
        allowed('ra-fr'),
      );
    });
  });

  describe('a threat reported', () => {
    const threatAt = new Date('2026-11-29T10:00:00.000Z');
    const held = (type: MessageType) =>
      rule(
        denied(
          `a threat was reported on the case: no ${type} until a new risk assessment is recorded after it`,
        ),
        CaseFactRule.THREAT_REVIEW_PENDING,
      );

    it.each<MessageType>(['RETURN_PLAN', 'RETURN_PLAN_CONFIRMATION', 'REINTEGRATION_REQUEST'])(
      'holds %s until this node records an assessment after it',
      (type) => {
        const base = { type, payload: payloadOf(type), threats: [threatAt] };
        expect(decideRisk(facts(base))).toEqual(refused(held(type)));
        // The threat made the earlier one due for review; the new one is recorded after the threat.
        const later = new Date('2026-11-30T10:00:00.000Z');
        const after = own({ id: 'ra-fr-new', assessedAt: later, recordedAt: later });
        const flagged = own({ reviewRequiredAt: threatAt });
        expect(decideRisk(facts({ ...base, assessments: [flagged, after] }))).toEqual(
          allowed(type === 'RETURN_PLAN' ? 'ra-fr-new' : null),
        );
      },
    );

    it('is not lifted by a peer’s assessment, one due for review, or one expired', () => {
      const later = new Date('2026-11-30T10:00:00.000Z');
      for (const assessments of [
        [own(), own({ id: 'peer', country: 'MK', recordedAt: later })],
        [own({ recordedAt: later, reviewRequiredAt: later })],
        [own({ recordedAt: later, validUntil: new Date('2026-11-30T12:00:00.000Z') })],
      ]) {
        const decision = decideRisk(
          facts({
            type: 'REINTEGRATION_REQUEST',
            payload: payloadOf('REINTEGRATION_REQUEST'),
            threats: [threatAt],
            assessments,
          }),
        );
        expect(decision).toEqual(refused(held('REINTEGRATION_REQUEST')));
      }
    });

    it('counts the latest threat, and holds nothing but the return', () => {
      const later = new Date('2026-11-30T18:00:00.000Z');
      const between = own({ id: 'between', recordedAt: new Date('2026-11-30T10:00:00.000Z') });
      expect(decideRisk(facts({ threats: [threatAt, later], assessments: [between] }))).toEqual(
        refused(held('RETURN_PLAN')),
      );
      expect(
        decideRisk(
          facts({
            type: 'CASE_UPDATE',
            payload: payloadOf('CASE_UPDATE'),
            threats: [later],
            assessments: [],
          }),
        ),
      ).toEqual(allowed(null));
    });
  });

  describe('RF-05: the family tied to the trafficker', () => {
    const rf05 = own({ factors: [{ code: 'RF-05', status: 'PRESENT' }] });
    const overrideFor = (messageType: string, confirmed = true): OverrideFacts => ({
      assessmentId: 'ra-fr',
      messageType,
      confirmed,
    });

    it('blocks family tracing, override or not', () => {
      const tracing = {
        type: 'FAMILY_TRACING_REQUEST' as const,
        payload: payloadOf('FAMILY_TRACING_REQUEST'),
      };
      const reason = rule(
        denied('the family is involved in the trafficking (RF-05 present): no family tracing'),
        CaseFactRule.FAMILY_INVOLVED,
      );
      expect(decideRisk(facts({ ...tracing, assessments: [rf05] }))).toEqual(refused(reason));
      expect(
        decideRisk(
          facts({ ...tracing, assessments: [rf05], overrides: [overrideFor('FAMILY_TRACING_REQUEST')] }),
        ),
      ).toEqual(refused(reason));
    });

    it('blocks a return to the family: a return elsewhere needs a confirmed override', () => {
      const reason = rule(
        overridable(
          "the family is involved in the trafficking (RF-05 present): no return to the family; a return elsewhere needs a coordinator's override with a written reason, confirmed by a second coordinator",
        ),
        CaseFactRule.FAMILY_INVOLVED,
      );
      expect(decideRisk(facts({ assessments: [rf05] }))).toEqual(refused(reason));
      expect(
        decideRisk(facts({ assessments: [rf05], overrides: [overrideFor('RETURN_PLAN', false)] })),
      ).toEqual(
        refused(
          rule(
            overridable(
              "the family is involved in the trafficking (RF-05 present): the override stating the return does not go to the family awaits a second coordinator's confirmation",
            ),
            CaseFactRule.FAMILY_INVOLVED,
          ),
        ),
      );
      expect(decideRisk(facts({ assessments: [rf05], overrides: [overrideFor('RETURN_PLAN')] }))).toEqual(
        allowed('ra-fr', true),
      );
    });

    it.each(['ABSENT', 'UNKNOWN'] as const)('changes nothing when %s', (status) => {
      expect(decideRisk(facts({ assessments: [own({ factors: [{ code: 'RF-05', status }] })] }))).toEqual(
        allowed('ra-fr'),
      );
    });
  });

  describe('RF-02: threats against the family in the origin gate evidence contact as HIGH does', () => {
    const evidence = {
      type: 'EVIDENCE_REQUEST' as const,
      payload: payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true }),
    };
    const rf02 = (level: AssessmentFacts['level']) =>
      own({ level, factors: [{ code: 'RF-02', status: 'PRESENT' }] });
    const reason = rule(
      overridable(
        "the family in the country of origin is threatened (RF-02 present): EVIDENCE_REQUEST needs a coordinator's override with a written reason, confirmed by a second coordinator, as at HIGH",
      ),
      CaseFactRule.FAMILY_THREATENED,
    );

    it.each(['LOW', 'MEDIUM'] as const)(
      'refuses at %s, overridable; a confirmed override lets it go',
      (level) => {
        expect(decideRisk(facts({ ...evidence, assessments: [rf02(level)] }))).toEqual(refused(reason));
        const override: OverrideFacts = {
          assessmentId: 'ra-fr',
          messageType: 'EVIDENCE_REQUEST',
          confirmed: true,
        };
        expect(decideRisk(facts({ ...evidence, assessments: [rf02(level)], overrides: [override] }))).toEqual(
          allowed('ra-fr', true),
        );
      },
    );

    it('says HIGH’s reason alone at HIGH, and CRITICAL’s at CRITICAL', () => {
      expect(decideRisk(facts({ ...evidence, assessments: [rf02('HIGH')] }))).toEqual(
        refused(overridable(REASONS.high('EVIDENCE_REQUEST'))),
      );
      expect(decideRisk(facts({ ...evidence, assessments: [rf02('CRITICAL')] }))).toEqual(
        refused(denied(REASONS.critical)),
      );
    });

    it('leaves evidence contact that stays with the destination alone', () => {
      const payload = payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: false });
      expect(decideRisk(facts({ type: 'EVIDENCE_REQUEST', payload, assessments: [rf02('LOW')] }))).toEqual(
        allowed(null),
      );
    });
  });
});
