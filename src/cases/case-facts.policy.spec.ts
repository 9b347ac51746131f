import { MESSAGE_TYPES, MessageType } from '../messages/message-types';
import { RejectionCode } from '../messages/rejection-codes';
import {
  addDays,
  ASYLUM_BLOCKED_TYPES,
  asylumClaimPending,
  asylumReasons,
  CaseFactBody,
  CaseFactEntry,
  CaseFactRule,
  decideAsylumClaim,
  decideReflectionExtension,
  decideReflectionStart,
  decideThreat,
  foldCaseFacts,
  threatTimes,
} from './case-facts.policy';

// The fictional case of src/messages/examples.ts seen from France (FR): Ana, identified in France.

const NOW = new Date('2026-12-01T09:00:00.000Z');
let seq = 0;
function entry(body: CaseFactBody, at: string, by = 'api:coordinator'): CaseFactEntry {
  return { ...body, id: `fact-${++seq}`, recordedBy: by, recordedAt: new Date(at) } as CaseFactEntry;
}

const pending = entry(
  { kind: 'ASYLUM_CLAIM', fact: { status: 'PENDING', lodgedOn: '2026-11-02', decidedOn: null } },
  '2026-11-02T10:00:00Z',
);
const granted = entry(
  { kind: 'ASYLUM_CLAIM', fact: { status: 'GRANTED', lodgedOn: '2026-11-02', decidedOn: '2026-11-30' } },
  '2026-11-30T15:00:00Z',
);
const period = (startOn: string, days = 30) =>
  entry({ kind: 'REFLECTION_PERIOD', fact: { startOn, days } }, `${startOn}T12:00:00Z`);
const extension = (days: number, at: string) =>
  entry({ kind: 'REFLECTION_EXTENSION', fact: { days, reason: 'medical treatment continues' } }, at);
const threat = (reportedOn: string, at: string) =>
  entry(
    {
      kind: 'THREAT',
      fact: {
        reportedBy: 'Police, anti-trafficking unit',
        reportedOn,
        against: ['FAMILY'],
        kind: 'threatening messages to the family',
      },
    },
    at,
  );

describe('foldCaseFacts', () => {
  it('knows nothing of a case with no facts', () => {
    expect(foldCaseFacts([], NOW)).toEqual({
      asylum: { current: null, history: [] },
      identification: [],
      reflection: null,
      threats: [],
      reopenings: [],
    });
  });

  it("keeps the asylum claim's history, the latest status current, whatever the order given", () => {
    const facts = foldCaseFacts([granted, pending], NOW);
    expect(facts.asylum.history.map((c) => c.status)).toEqual(['PENDING', 'GRANTED']);
    expect(facts.asylum.current).toEqual(
      expect.objectContaining({ status: 'GRANTED', decidedOn: '2026-11-30', recordedBy: 'api:coordinator' }),
    );
    expect(asylumClaimPending(facts)).toBe(false);
    expect(asylumClaimPending(foldCaseFacts([pending], NOW))).toBe(true);
    // Refused, then appealed: pending again.
    const appealed = entry(
      { kind: 'ASYLUM_CLAIM', fact: { status: 'PENDING', lodgedOn: '2026-12-01', decidedOn: null } },
      '2026-12-01T08:00:00Z',
    );
    expect(asylumClaimPending(foldCaseFacts([pending, granted, appealed], NOW))).toBe(true);
  });

  it('keeps the identification history: who, when, from, to, why', () => {
    const opened = entry(
      {
        kind: 'IDENTIFICATION',
        fact: { from: null, to: 'PRESUMED_VICTIM', target: 'OWNER_STATUS', source: 'OPENING', reason: null },
      },
      '2026-11-01T09:00:00Z',
    );
    const identified = entry(
      {
        kind: 'IDENTIFICATION',
        fact: {
          from: 'PRESUMED_VICTIM',
          to: 'IDENTIFIED_VICTIM',
          target: 'OWNER_STATUS',
          source: 'COORDINATOR',
          reason: 'identification interview completed',
        },
      },
      '2026-11-10T09:00:00Z',
      'api:second-coordinator',
    );
    expect(foldCaseFacts([identified, opened], NOW).identification).toEqual([
      expect.objectContaining({ from: null, to: 'PRESUMED_VICTIM', recordedAt: '2026-11-01T09:00:00.000Z' }),
      expect.objectContaining({
        from: 'PRESUMED_VICTIM',
        to: 'IDENTIFIED_VICTIM',
        reason: 'identification interview completed',
        recordedBy: 'api:second-coordinator',
      }),
    ]);
  });

  it.each<[string, CaseFactEntry[], { endOn: string; days: number; active: boolean; daysLeft: number }]>([
    ['started today', [period('2026-12-01')], { endOn: '2026-12-31', days: 30, active: true, daysLeft: 30 }],
    [
      'started 10 days ago',
      [period('2026-11-21')],
      { endOn: '2026-12-21', days: 30, active: true, daysLeft: 20 },
    ],
    ['over', [period('2026-10-01')], { endOn: '2026-10-31', days: 30, active: false, daysLeft: 0 }],
    ['ending tomorrow', [period('2026-11-02')], { endOn: '2026-12-02', days: 30, active: true, daysLeft: 1 }],
    [
      'a longer national period',
      [period('2026-11-01', 90)],
      { endOn: '2027-01-30', days: 90, active: true, daysLeft: 60 },
    ],
    [
      'over, then extended',
      [period('2026-10-01'), extension(45, '2026-10-30T10:00:00Z')],
      { endOn: '2026-12-15', days: 75, active: true, daysLeft: 14 },
    ],
  ])('the reflection period %s', (_name, entries, expected) => {
    expect(foldCaseFacts(entries, NOW).reflection).toEqual(expect.objectContaining(expected));
  });

  it('says whether a threat was reported within the reflection period', () => {
    const facts = foldCaseFacts(
      [
        period('2026-11-21'),
        threat('2026-11-25', '2026-11-25T10:00:00Z'),
        threat('2026-11-20', '2026-11-26T10:00:00Z'),
      ],
      NOW,
    );
    expect(facts.threats.map((t) => [t.reportedOn, t.duringReflectionPeriod])).toEqual([
      ['2026-11-25', true],
      ['2026-11-20', false],
    ]);
    expect(threatTimes(facts)).toEqual([new Date('2026-11-25T10:00:00Z'), new Date('2026-11-26T10:00:00Z')]);
  });

  it('adds days across months and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});

describe('decideAsylumClaim', () => {
  it.each<
    [
      string,
      { status: 'PENDING' | 'GRANTED' | 'REFUSED'; lodgedOn: string; decidedOn: string | null },
      string | null,
    ]
  >([
    ['a pending claim', { status: 'PENDING', lodgedOn: '2026-11-02', decidedOn: null }, null],
    ['a claim lodged today', { status: 'PENDING', lodgedOn: '2026-12-01', decidedOn: null }, null],
    ['a granted claim', { status: 'GRANTED', lodgedOn: '2026-11-02', decidedOn: '2026-11-30' }, null],
    [
      'a refused claim decided the day it was lodged',
      { status: 'REFUSED', lodgedOn: '2026-11-02', decidedOn: '2026-11-02' },
      null,
    ],
    [
      'a claim lodged tomorrow',
      { status: 'PENDING', lodgedOn: '2026-12-02', decidedOn: null },
      'lodgedOn lies in the future',
    ],
    [
      'a pending claim with a decision date',
      { status: 'PENDING', lodgedOn: '2026-11-02', decidedOn: '2026-11-30' },
      'a PENDING claim has no decidedOn',
    ],
    [
      'a granted claim without a decision date',
      { status: 'GRANTED', lodgedOn: '2026-11-02', decidedOn: null },
      'a GRANTED claim needs decidedOn',
    ],
    [
      'a refused claim decided tomorrow',
      { status: 'REFUSED', lodgedOn: '2026-11-02', decidedOn: '2026-12-02' },
      'decidedOn lies in the future',
    ],
    [
      'a claim decided before it was lodged',
      { status: 'REFUSED', lodgedOn: '2026-11-02', decidedOn: '2026-11-01' },
      'decidedOn lies before lodgedOn',
    ],
  ])('%s', (_name, fact, reason) => {
    expect(decideAsylumClaim(fact, NOW)).toEqual(
      reason === null ? { allow: true } : { allow: false, reason },
    );
  });
});

describe('the reflection period and threats', () => {
  const none = foldCaseFacts([], NOW);
  const started = foldCaseFacts([period('2026-11-21')], NOW);

  it('starts once, on a day not in the future, and is extended afterwards', () => {
    expect(decideReflectionStart(none, '2026-12-01', NOW)).toEqual({ allow: true });
    expect(decideReflectionStart(none, '2026-12-02', NOW)).toEqual({
      allow: false,
      reason: 'startOn lies in the future',
    });
    expect(decideReflectionStart(started, '2026-11-25', NOW)).toEqual({
      allow: false,
      conflict: true,
      reason: 'the reflection period is already recorded: extend it instead',
    });
    expect(decideReflectionExtension(started)).toEqual({ allow: true });
    expect(decideReflectionExtension(none)).toEqual(
      expect.objectContaining({ allow: false, conflict: true }),
    );
  });

  it('takes a threat reported up to today, not one dated tomorrow', () => {
    const fact = {
      reportedBy: 'NGO shelter staff',
      against: ['VICTIM' as const],
      kind: 'approached by a stranger',
    };
    expect(decideThreat({ ...fact, reportedOn: '2026-12-01' }, NOW)).toEqual({ allow: true });
    expect(decideThreat({ ...fact, reportedOn: '2026-12-02' }, NOW)).toEqual({
      allow: false,
      reason: 'reportedOn lies in the future',
    });
  });
});

describe('asylumReasons: no family tracing, return plan or identity verification with the origin while pending', () => {
  it.each(MESSAGE_TYPES.map((type) => [type, ASYLUM_BLOCKED_TYPES.includes(type)] as [MessageType, boolean]))(
    '%s refused: %s',
    (type, blocked) => {
      expect(asylumReasons(type, true)).toEqual(
        blocked
          ? [
              {
                code: RejectionCode.POLICY_DENIED,
                rule: CaseFactRule.ASYLUM_CLAIM_PENDING,
                message: `an asylum claim is pending on the case: no ${type}`,
              },
            ]
          : [],
      );
      expect(asylumReasons(type, false)).toEqual([]);
    },
  );

  it('names the three types of the catalogue and the travel document request', () => {
    expect([...ASYLUM_BLOCKED_TYPES].sort()).toEqual([
      'FAMILY_TRACING_REQUEST',
      'IDENTITY_VERIFICATION_REQUEST',
      'RETURN_PLAN',
      'TRAVEL_DOCUMENT_REQUEST',
    ]);
  });
});
