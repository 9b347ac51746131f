import type { ReturnChecklist } from '../cases/return-checklist';
import {
  answerTimeIndicators,
  checklistGaps,
  departureMoment,
  familyTracingIndicator,
  followUpIndicator,
  returnChecklistIndicator,
  CaseIdentification,
  escalationIndicators,
  evidenceContactIndicator,
  ExpectationRow,
  gateStatusAt,
  percentile,
  returnsDuringIdentification,
  withdrawalIndicator,
} from './indicators';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const at = (hours: number) => new Date(T0 + hours * HOUR);

function expectation(changes: Partial<ExpectationRow> & { answeredAfter?: number | null }): ExpectationRow {
  const { answeredAfter = null, ...rest } = changes;
  return {
    requestType: 'REFERRAL_REQUEST',
    direction: 'AWAITED',
    country: 'MK',
    requestedAt: at(0),
    dueAt: at(72),
    answeredAt: answeredAfter === null ? null : at(answeredAfter),
    status: answeredAfter === null ? 'OPEN' : 'ANSWERED',
    ...rest,
  };
}

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 50, null],
    [[5], 90, 5],
    [[1, 2, 3, 4], 50, 2],
    [[4, 1, 3, 2], 90, 4],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
  ])('%j at p%d is %j', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('answer times', () => {
  it('gives median, p90 and the share overdue per direction, request type and country', () => {
    const rows = [
      expectation({ answeredAfter: 10 }),
      expectation({ answeredAfter: 20 }),
      expectation({ answeredAfter: 80 }), // late
      expectation({ answeredAfter: null }), // open, past due at `now`
      expectation({ answeredAfter: null, status: 'CANCELLED' }), // not counted
      expectation({ answeredAfter: null, status: 'FAILED' }), // never delivered: nothing owed
      expectation({ country: 'IT', answeredAfter: 5 }),
      expectation({
        direction: 'OWED',
        requestType: 'RISK_ASSESSMENT_REQUEST',
        dueAt: at(120),
        answeredAfter: 30,
      }),
    ];
    expect(answerTimeIndicators(rows, at(100))).toEqual([
      {
        direction: 'AWAITED',
        requestType: 'REFERRAL_REQUEST',
        country: 'IT',
        requests: 1,
        answered: 1,
        medianHours: 5,
        p90Hours: 5,
        deadlineHours: 72,
        overdue: 0,
        shareOverdue: 0,
      },
      {
        direction: 'AWAITED',
        requestType: 'REFERRAL_REQUEST',
        country: 'MK',
        requests: 4,
        answered: 3,
        medianHours: 20,
        p90Hours: 80,
        deadlineHours: 72,
        overdue: 2,
        shareOverdue: 0.5,
      },
      {
        direction: 'OWED',
        requestType: 'RISK_ASSESSMENT_REQUEST',
        country: 'MK',
        requests: 1,
        answered: 1,
        medianHours: 30,
        p90Hours: 30,
        deadlineHours: 120,
        overdue: 0,
        shareOverdue: 0,
      },
    ]);
  });

  it('an open request not yet due is not overdue, and has no answer time', () => {
    expect(answerTimeIndicators([expectation({})], at(10))).toMatchObject([
      { requests: 1, answered: 0, medianHours: null, p90Hours: null, overdue: 0, shareOverdue: 0 },
    ]);
  });
});

describe('consent withdrawals', () => {
  it('counts withdrawals and the recipients told or not, per country', () => {
    expect(
      withdrawalIndicator([
        { notified: ['MK', 'IT'], notNotified: [] },
        { notified: ['MK'], notNotified: ['HR'] },
      ]),
    ).toEqual({
      withdrawals: 2,
      recipientsTold: 3,
      recipientsNotTold: 1,
      byCountry: [
        { country: 'HR', told: 0, notTold: 1 },
        { country: 'IT', told: 1, notTold: 0 },
        { country: 'MK', told: 2, notTold: 0 },
      ],
    });
  });
});

describe('escalations', () => {
  it('sums overdue, escalated and exhausted per country', () => {
    expect(
      escalationIndicators([
        { action: 'EXPECTATION_OVERDUE', country: 'MK', count: 3 },
        { action: 'EXPECTATION_ESCALATED', country: 'MK', count: 2 },
        { action: 'EXPECTATION_ESCALATION_EXHAUSTED', country: 'IT', count: 1 },
      ]),
    ).toEqual([
      { country: 'IT', overdue: 0, escalated: 0, exhausted: 1 },
      { country: 'MK', overdue: 3, escalated: 2, exhausted: 0 },
    ]);
  });
});

describe('returns during identification', () => {
  const identified: CaseIdentification = {
    identificationStatus: 'IDENTIFIED_VICTIM',
    ownIdentificationStatus: null,
    changes: [],
  };
  // Presumed until entry 10, identified from then on.
  const changed: CaseIdentification = {
    identificationStatus: 'IDENTIFIED_VICTIM',
    ownIdentificationStatus: null,
    changes: [{ seq: 10, target: 'OWNER_STATUS', from: 'PRESUMED_VICTIM', to: 'IDENTIFIED_VICTIM' }],
  };
  // The owner says identified; this node's own view said in progress until entry 20.
  const ownView: CaseIdentification = {
    identificationStatus: 'IDENTIFIED_VICTIM',
    ownIdentificationStatus: 'IDENTIFIED_VICTIM',
    changes: [{ seq: 20, target: 'OWN_VIEW', from: null, to: 'IDENTIFICATION_IN_PROGRESS' }],
  };

  it.each<[string, CaseIdentification, number, string | null]>([
    ['no change: today’s status', identified, 5, 'IDENTIFIED_VICTIM'],
    ['before the first change: its from', changed, 5, 'PRESUMED_VICTIM'],
    ['after a change: its to', changed, 11, 'IDENTIFIED_VICTIM'],
    ['before an own view existed: the owner’s', ownView, 15, 'IDENTIFIED_VICTIM'],
    ['once this node has its own view: that', ownView, 21, 'IDENTIFICATION_IN_PROGRESS'],
  ])('%s', (_, c, seq, expected) => {
    expect(gateStatusAt(c, seq)).toBe(expected);
  });

  it('counts the return plans sent or applied while identification was pending', () => {
    const cases = new Map([
      ['TRM-FR-2026-000001', changed],
      ['TRM-FR-2026-000002', identified],
    ]);
    expect(
      returnsDuringIdentification(
        [
          { caseRef: 'TRM-FR-2026-000001', seq: 5, country: 'MK' },
          { caseRef: 'TRM-FR-2026-000001', seq: 12, country: 'MK' },
          { caseRef: 'TRM-FR-2026-000002', seq: 3, country: 'MK' },
        ],
        cases,
      ),
    ).toEqual({ returnPlans: 3, duringIdentification: 1, cases: ['TRM-FR-2026-000001'] });
  });
});

describe('evidence contact with the origin', () => {
  it('tells contacts under consent, on vital interest, and under neither', () => {
    expect(
      evidenceContactIndicator([
        { legalBasis: 'CONSENT', consentId: 'c-1' },
        { legalBasis: 'VITAL_INTEREST', consentId: null },
        { legalBasis: 'CONSENT', consentId: null },
      ]),
    ).toEqual({ contactsWithOrigin: 3, underConsent: 1, vitalInterest: 1, withoutConsentOrVitalInterest: 1 });
  });
});

describe('family tracing', () => {
  const held = {
    wishToReturnToFamily: true,
    asylumClaimPendingOnCase: false,
    asylumClaimPendingInRequest: false,
  };
  it('counts requests under an asylum claim (the case’s or the request’s) or without her wish, and unrecorded ones', () => {
    expect(
      familyTracingIndicator([
        { conditions: held },
        { conditions: { ...held, asylumClaimPendingOnCase: true } },
        { conditions: { ...held, asylumClaimPendingInRequest: true } },
        { conditions: { ...held, wishToReturnToFamily: false } },
        { conditions: null },
      ]),
    ).toEqual({ requests: 5, withAsylumClaimPending: 2, withoutWish: 1, unrecorded: 1 });
  });
});

describe('return checklist at departure', () => {
  const sent = {
    messageId: 'm',
    type: 'T',
    direction: 'SENT' as const,
    counterpart: 'MK',
    at: '',
    status: 'SENT',
  };
  const full: ReturnChecklist = {
    requestForAssistance: sent,
    requestConfirmation: sent,
    reintegrationRequest: sent,
    reintegrationConfirmation: sent,
    eligible: true,
    estimatedDeparture: null,
    complete: true,
  };
  it.each<[string, ReturnChecklist, string[]]>([
    ['complete: nothing lacks', full, []],
    [
      'before the reintegration request',
      { ...full, reintegrationRequest: null, reintegrationConfirmation: null, complete: false },
      ['REINTEGRATION_REQUEST', 'REINTEGRATION_CONFIRMATION'],
    ],
    ['found not eligible', { ...full, eligible: false, complete: false }, ['ELIGIBILITY']],
    ['reintegration not accepted', { ...full, complete: false }, ['REINTEGRATION_CONFIRMATION']],
    [
      'nothing exchanged',
      {
        ...full,
        requestForAssistance: null,
        requestConfirmation: null,
        reintegrationRequest: null,
        reintegrationConfirmation: null,
        eligible: null,
        complete: false,
      },
      [
        'REQUEST_FOR_ASSISTANCE',
        'REQUEST_CONFIRMATION',
        'REINTEGRATION_REQUEST',
        'REINTEGRATION_CONFIRMATION',
      ],
    ],
  ])('%s', (_, checklist, gaps) => {
    expect(checklistGaps(checklist)).toEqual(gaps);
  });

  it('judges at the planned departure, or at the arrival when it came first or the plan had no date', () => {
    expect(departureMoment('2026-11-01T10:00:00Z', at(100))).toEqual(new Date('2026-11-01T10:00:00Z'));
    expect(departureMoment('2026-12-01T10:00:00Z', at(100))).toEqual(at(100));
    expect(departureMoment(null, at(100))).toEqual(at(100));
  });

  it('counts complete and incomplete checklists, what they lacked, and unrecorded arrivals', () => {
    expect(
      returnChecklistIndicator([
        { atDeparture: { complete: true, missing: [] } },
        {
          atDeparture: { complete: false, missing: ['REINTEGRATION_REQUEST', 'REINTEGRATION_CONFIRMATION'] },
        },
        { atDeparture: { complete: false, missing: ['ELIGIBILITY', 'REINTEGRATION_CONFIRMATION'] } },
        { atDeparture: null },
      ]),
    ).toEqual({
      returns: 4,
      completeBeforeDeparture: 1,
      incompleteBeforeDeparture: 2,
      missing: [
        { item: 'ELIGIBILITY', count: 1 },
        { item: 'REINTEGRATION_REQUEST', count: 1 },
        { item: 'REINTEGRATION_CONFIRMATION', count: 2 },
      ],
      unrecorded: 1,
    });
  });
});

describe('follow-ups of returned children', () => {
  it('tells reported (and late), overdue, pending and cancelled follow-ups; a failed one was never owed', () => {
    const due = at(48);
    expect(
      followUpIndicator(
        3,
        [
          { dueAt: due, answeredAt: at(10), status: 'ANSWERED' },
          { dueAt: due, answeredAt: at(60), status: 'ANSWERED' }, // late
          { dueAt: due, answeredAt: null, status: 'OVERDUE' },
          { dueAt: at(200), answeredAt: null, status: 'OPEN' }, // not yet due
          { dueAt: due, answeredAt: null, status: 'CANCELLED' },
          { dueAt: due, answeredAt: null, status: 'FAILED' },
        ],
        at(100),
      ),
    ).toEqual({
      returnedChildren: 3,
      followUpsScheduled: 5,
      reported: 2,
      reportedLate: 1,
      overdue: 1,
      pending: 1,
      cancelled: 1,
    });
  });
});
