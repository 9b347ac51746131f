import { loadConfig } from '../config/config';
import { MESSAGE_TYPES, REPLY_TYPES, SOP_OF_TYPE } from '../messages/message-types';
import {
  ANSWER_TYPES,
  CANCELLATIONS,
  CancelReason,
  cancelledBy,
  arrivalDueAt,
  dueAt,
  dueAtIsPersonal,
  escalationPeriod,
  EXPECTED_ANSWERS,
  followUpDueAt,
  opensExpectation,
  overdueStep,
  requestsAnsweredBy,
  RETURN_STEPS,
  SETTLED_ONLY_BY_NAME,
  sopOf,
} from './expectation-rules';
import {
  DEFAULT_DEADLINES_MS,
  DEFAULT_RETURN_MARGIN_MS,
  EXPECTING_TYPES,
  isExpectingType,
  parseDeadlines,
  parseDuration,
} from '../config/deadlines';

const HOUR = 3_600_000;

describe('which requests expect which answers', () => {
  it('every request of the catalogue with a business reply opens an expectation, with those replies', () => {
    for (const type of MESSAGE_TYPES.filter((t) => REPLY_TYPES[t].length > 0)) {
      expect(isExpectingType(type)).toBe(true);
      if (isExpectingType(type))
        expect(EXPECTED_ANSWERS[type]).toEqual(
          type === 'EMERGENCY_ALERT' ? [...REPLY_TYPES[type], 'CASE_UPDATE'] : REPLY_TYPES[type],
        );
    }
  });

  it.each([
    ['REFERRAL_REQUEST', ['REFERRAL_CONFIRMATION', 'REFERRAL_DECLINED']],
    ['EMERGENCY_ALERT', ['EMERGENCY_ALERT_ACKNOWLEDGEMENT', 'CASE_UPDATE']],
    ['RETURN_PLAN', ['RETURN_PLAN_CONFIRMATION', 'ARRIVAL_CONFIRMATION']],
    ['REINTEGRATION_REQUEST', ['REINTEGRATION_CONFIRMATION']],
    ['TRAVEL_DOCUMENT_REQUEST', ['TRAVEL_DOCUMENT_RESULT']],
    ['WITNESS_APPEARANCE_REQUEST', ['WITNESS_APPEARANCE_RESPONSE']],
  ] as const)('%s is answered by %j', (request, answers) => {
    expect(EXPECTED_ANSWERS[request]).toEqual(answers);
  });

  it('technical types, updates, closings and answers themselves expect nothing', () => {
    for (const type of [
      'DELIVERY_RECEIPT',
      'DELIVERY_REJECTED',
      'AUDIT_CHECKPOINT',
      'CASE_UPDATE',
      'CASE_CLOSED',
      'CONSENT_WITHDRAWN',
      'REFERRAL_CONFIRMATION',
    ])
      expect(isExpectingType(type)).toBe(false);
  });

  it('maps an answer back to the requests it closes', () => {
    expect(requestsAnsweredBy('REFERRAL_DECLINED')).toEqual(['REFERRAL_REQUEST']);
    expect(requestsAnsweredBy('CASE_UPDATE')).toEqual(['EMERGENCY_ALERT', 'PROCEEDINGS_STATUS']);
    expect(requestsAnsweredBy('ARRIVAL_CONFIRMATION')).toEqual(['RETURN_PLAN']);
    expect(requestsAnsweredBy('DELIVERY_RECEIPT')).toEqual([]);
    expect(ANSWER_TYPES).toContain('EVIDENCE_RESPONSE');
    expect(ANSWER_TYPES).not.toContain('DELIVERY_RECEIPT');
  });

  it('every request belongs to an SOP, whose contact list answers for it', () => {
    expect(Object.fromEntries(EXPECTING_TYPES.map((type) => [type, sopOf(type)]))).toEqual({
      REFERRAL_REQUEST: 1,
      IDENTITY_VERIFICATION_REQUEST: 1,
      EMERGENCY_ALERT: 2,
      TRAVEL_DOCUMENT_REQUEST: 3,
      RISK_ASSESSMENT_REQUEST: 4,
      FAMILY_TRACING_REQUEST: 4,
      RETURN_PLAN: 4,
      REINTEGRATION_REQUEST: 4,
      EVIDENCE_REQUEST: 5,
      WITNESS_APPEARANCE_REQUEST: 5,
      PROCEEDINGS_STATUS: 5,
    });
    for (const type of EXPECTING_TYPES) expect(sopOf(type)).toBe(SOP_OF_TYPE[type]);
  });
});

describe('deadline rules', () => {
  it('defaults: an alert acknowledged within an hour, a referral confirmed within 24 hours', () => {
    expect(DEFAULT_DEADLINES_MS.EMERGENCY_ALERT).toBe(HOUR);
    // A witness's answer and a travel document: two weeks each.
    expect(DEFAULT_DEADLINES_MS.WITNESS_APPEARANCE_REQUEST).toBe(14 * 24 * HOUR);
    expect(DEFAULT_DEADLINES_MS.TRAVEL_DOCUMENT_REQUEST).toBe(14 * 24 * HOUR);
    expect(DEFAULT_DEADLINES_MS.REFERRAL_REQUEST).toBe(24 * HOUR);
    for (const type of EXPECTING_TYPES) expect(DEFAULT_DEADLINES_MS[type]).toBeGreaterThan(0);
  });

  it('a deadline runs from the time the request was sent', () => {
    const sent = new Date('2026-11-23T10:00:00.000Z');
    expect(dueAt('EMERGENCY_ALERT', sent, DEFAULT_DEADLINES_MS).toISOString()).toBe(
      '2026-11-23T11:00:00.000Z',
    );
    expect(dueAt('REFERRAL_REQUEST', sent, DEFAULT_DEADLINES_MS).toISOString()).toBe(
      '2026-11-24T10:00:00.000Z',
    );
  });

  it.each([
    ['PT1H', HOUR],
    ['PT24H', 24 * HOUR],
    ['P3D', 72 * HOUR],
    ['P1DT12H', 36 * HOUR],
    ['PT30M', 30 * 60_000],
    ['PT2S', 2000],
    ['P2W', 14 * 24 * HOUR],
  ])('reads the ISO 8601 duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', 'P1DT', '1H', 'PT1.5H', 'P1M', 'P1Y', 'PT0S', 'pt1h', 'PT-1H', ' PT1H'])(
    'refuses %j (months and years vary in length; a deadline may not be zero)',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it('TRM_DEADLINES overrides the defaults type by type', () => {
    const { deadlines, problems } = parseDeadlines('EMERGENCY_ALERT=PT30M, RETURN_PLAN=P5D');
    expect(problems).toEqual([]);
    expect(deadlines.EMERGENCY_ALERT).toBe(30 * 60_000);
    expect(deadlines.RETURN_PLAN).toBe(5 * 24 * HOUR);
    expect(deadlines.REFERRAL_REQUEST).toBe(DEFAULT_DEADLINES_MS.REFERRAL_REQUEST);
    expect(parseDeadlines(undefined).deadlines).toEqual(DEFAULT_DEADLINES_MS);
  });

  it('TRM_DEADLINES sets the new request types too (a witness, a travel document)', () => {
    const { deadlines, problems } = parseDeadlines(
      'WITNESS_APPEARANCE_REQUEST=P7D,TRAVEL_DOCUMENT_REQUEST=P21D',
    );
    expect(problems).toEqual([]);
    expect(deadlines.WITNESS_APPEARANCE_REQUEST).toBe(7 * 24 * HOUR);
    expect(deadlines.TRAVEL_DOCUMENT_REQUEST).toBe(21 * 24 * HOUR);
    // An answer or a report is no request: it has no deadline to set.
    expect(parseDeadlines('COMPLAINT_TRANSFER=P1D').problems).toHaveLength(1);
    // Word that she was told of a release: two days, configurable too.
    expect(DEFAULT_DEADLINES_MS.PROCEEDINGS_STATUS).toBe(2 * 24 * HOUR);
    expect(parseDeadlines('PROCEEDINGS_STATUS=PT12H').deadlines.PROCEEDINGS_STATUS).toBe(12 * HOUR);
  });

  it.each([
    ['OFFENDER_RELEASED', true],
    ['OFFENDER_ESCAPED', true],
    ['HEARING_SCHEDULED', false],
    ['VERDICT', false],
  ])('a proceedings status reporting %s opens an expectation: %s', (event, opens) => {
    expect(opensExpectation('PROCEEDINGS_STATUS', { event })).toBe(opens);
    expect(opensExpectation('EVIDENCE_REQUEST', { event })).toBe(true);
  });

  it('only an answer naming it settles an alert or a release notice', () => {
    expect(SETTLED_ONLY_BY_NAME).toEqual(['EMERGENCY_ALERT', 'PROCEEDINGS_STATUS']);
    expect(EXPECTED_ANSWERS.PROCEEDINGS_STATUS).toEqual(['CASE_UPDATE']);
  });

  it('names every bad entry', () => {
    const { problems } = parseDeadlines(
      'CASE_UPDATE=PT1H,REFERRAL_REQUEST=tomorrow,EMERGENCY_ALERT,RETURN_PLAN=P1D=P2D',
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/CASE_UPDATE.*not a request type/);
    expect(problems[1]).toMatch(/REFERRAL_REQUEST needs an ISO 8601 duration/);
    expect(problems[2]).toMatch(/EMERGENCY_ALERT needs/);
    expect(problems[3]).toMatch(/RETURN_PLAN needs/);
  });

  it('a bad TRM_DEADLINES stops the node with the other configuration problems', () => {
    const env = {
      TRM_COUNTRY: 'MK',
      TRM_DIRECTORY_FILE: 'directory.json',
      DATABASE_URL: 'postgres://x@localhost/x',
      AMQP_URL: 'amqp://MK:x@localhost',
      TRM_AUTH_SECRET: 'a-test-secret-of-at-least-32-characters',
    };
    expect(loadConfig({ ...env, TRM_DEADLINES: 'EMERGENCY_ALERT=PT15M' }).deadlines.EMERGENCY_ALERT).toBe(
      15 * 60_000,
    );
    expect(loadConfig(env).expectationCheckIntervalMs).toBe(60_000);
    expect(() =>
      loadConfig({ ...env, TRM_DEADLINES: 'EMERGENCY_ALERT=soon', TRM_EXPECTATION_CHECK_SECONDS: '-1' }),
    ).toThrow(/TRM_DEADLINES: EMERGENCY_ALERT[\s\S]*TRM_EXPECTATION_CHECK_SECONDS/);
  });
});

describe('the return after the handshake', () => {
  const DAY = 24 * HOUR;
  const confirmedAt = new Date('2026-12-01T09:00:00.000Z');

  it('an accepted plan awaits the arrival, and an arrival the follow-up report', () => {
    expect(RETURN_STEPS).toEqual({
      RETURN_PLAN_CONFIRMATION: ['ARRIVAL_CONFIRMATION'],
      ARRIVAL_CONFIRMATION: ['CASE_UPDATE'],
    });
  });

  it('the arrival is due at the planned departure plus the margin', () => {
    expect(arrivalDueAt('2026-12-06T08:00:00.000Z', confirmedAt, 2 * DAY).toISOString()).toBe(
      '2026-12-08T08:00:00.000Z',
    );
    expect(arrivalDueAt('2026-12-06T09:00:00+01:00', confirmedAt, HOUR).toISOString()).toBe(
      '2026-12-06T09:00:00.000Z',
    );
  });

  it.each([undefined, null, 'soon', 42])(
    'without a readable departure (%p), a fortnight after the confirmation plus the margin',
    (departure) => {
      expect(arrivalDueAt(departure, confirmedAt, 2 * DAY).toISOString()).toBe('2026-12-17T09:00:00.000Z');
    },
  );

  it('the follow-up report is due the scheduled day (from its start, UTC) plus the margin', () => {
    expect(followUpDueAt('2026-12-12', 2 * DAY).toISOString()).toBe('2026-12-14T00:00:00.000Z');
  });

  it('an escalated contact has the deadline of a request, the margin for a return step', () => {
    expect(escalationPeriod('REFERRAL_REQUEST', DEFAULT_DEADLINES_MS, 5 * DAY)).toBe(24 * HOUR);
    expect(escalationPeriod('RETURN_PLAN_CONFIRMATION', DEFAULT_DEADLINES_MS, 5 * DAY)).toBe(5 * DAY);
    expect(escalationPeriod('ARRIVAL_CONFIRMATION', DEFAULT_DEADLINES_MS, 5 * DAY)).toBe(5 * DAY);
  });

  it('TRM_RETURN_MARGIN sets the margin (two days by default) and refuses what is not a duration', () => {
    const env = {
      TRM_COUNTRY: 'MK',
      TRM_DIRECTORY_FILE: 'directory.json',
      DATABASE_URL: 'postgres://x@localhost/x',
      AMQP_URL: 'amqp://MK:x@localhost',
      TRM_AUTH_SECRET: 'a-test-secret-of-at-least-32-characters',
    };
    expect(DEFAULT_RETURN_MARGIN_MS).toBe(2 * DAY);
    expect(loadConfig(env).returnMarginMs).toBe(2 * DAY);
    expect(loadConfig({ ...env, TRM_RETURN_MARGIN: 'PT12H' }).returnMarginMs).toBe(12 * HOUR);
    expect(() => loadConfig({ ...env, TRM_RETURN_MARGIN: 'P1M' })).toThrow(/TRM_RETURN_MARGIN/);
  });
});

describe('escalation order', () => {
  it('the first time a deadline passes: overdue, and the next contact is addressed', () => {
    expect(overdueStep({ status: 'OPEN', escalationLevel: 0 }, 3)).toEqual({
      kind: 'ESCALATE',
      markOverdue: true,
      level: 1,
    });
  });

  it('still unanswered after that contact’s period: the one after, without marking it overdue again', () => {
    expect(overdueStep({ status: 'OVERDUE', escalationLevel: 1 }, 3)).toEqual({
      kind: 'ESCALATE',
      markOverdue: false,
      level: 2,
    });
  });

  it('once the last contact was addressed, the list is exhausted', () => {
    expect(overdueStep({ status: 'OVERDUE', escalationLevel: 2 }, 3)).toEqual({
      kind: 'EXHAUSTED',
      markOverdue: false,
    });
  });

  it('with one contact, or none for the SOP, an overdue answer has nobody further to go to', () => {
    expect(overdueStep({ status: 'OPEN', escalationLevel: 0 }, 1)).toEqual({
      kind: 'EXHAUSTED',
      markOverdue: true,
    });
    expect(overdueStep({ status: 'OPEN', escalationLevel: 0 }, 0)).toEqual({
      kind: 'EXHAUSTED',
      markOverdue: true,
    });
  });

  it('counts a return step’s deadline as personal (it follows the person’s dates), a request’s not', () => {
    expect(dueAtIsPersonal('RETURN_PLAN_CONFIRMATION')).toBe(true);
    expect(dueAtIsPersonal('ARRIVAL_CONFIRMATION')).toBe(true);
    expect(dueAtIsPersonal('REFERRAL_REQUEST')).toBe(false);
    expect(dueAtIsPersonal('RETURN_PLAN')).toBe(false);
    expect(dueAtIsPersonal('constructor')).toBe(false);
  });
});

describe('what cancels an open expectation, and with which reason', () => {
  it.each<[CancelReason, string, boolean]>([
    ['CASE_CLOSED', 'REFERRAL_REQUEST', true],
    ['CASE_CLOSED', 'EMERGENCY_ALERT', true],
    ['CASE_CLOSED_UNTOLD', 'EMERGENCY_ALERT', true],
    ['CONSENT_WITHDRAWN', 'RETURN_PLAN', true],
    ['CONSENT_WITHDRAWN', 'EMERGENCY_ALERT', false],
    // A country the withdrawal could not be sent to: its answers end too, an alert's acknowledgement stays.
    ['CONSENT_WITHDRAWN_UNTOLD', 'REFERRAL_REQUEST', true],
    ['CONSENT_WITHDRAWN_UNTOLD', 'ARRIVAL_CONFIRMATION', true],
    ['CONSENT_WITHDRAWN_UNTOLD', 'EMERGENCY_ALERT', false],
    ['ANSWER_REFUSED', 'EVIDENCE_REQUEST', true],
  ])('%s cancels an open %s: %s', (reason, requestType, cancelled) => {
    expect(cancelledBy(reason, requestType)).toBe(cancelled);
  });

  it('names every reason as the database accepts it', () => {
    for (const reason of Object.keys(CANCELLATIONS)) expect(reason).toMatch(/^[A-Z][A-Z_]{1,63}$/);
  });
});
