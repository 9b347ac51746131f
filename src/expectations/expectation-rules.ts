import { MessageType, REPLY_TYPES, Sop, SOP_OF_TYPE } from '../messages/message-types';

/**
 * Which sent message makes the other side owe an answer, with which types, and how long they have. Pure:
 * the expectations service, the scheduler, the configuration and the docs all read it.
 */

/** The request types that open an expectation, in the catalogue's order. */
export const EXPECTING_TYPES = [
  'REFERRAL_REQUEST',
  'IDENTITY_VERIFICATION_REQUEST',
  'EMERGENCY_ALERT',
  'RISK_ASSESSMENT_REQUEST',
  'FAMILY_TRACING_REQUEST',
  'RETURN_PLAN',
  'REINTEGRATION_REQUEST',
  'EVIDENCE_REQUEST',
] as const satisfies readonly MessageType[];

export type ExpectingType = (typeof EXPECTING_TYPES)[number];

/**
 * The business answers that close an expectation. The catalogue's REPLY_TYPES, plus the older acknowledgement
 * of an emergency alert: the node's automatic receipt only proves the alert was stored, so a coordinator's
 * EMERGENCY_ALERT_ACKNOWLEDGEMENT (the extension, which may go on VITAL_INTEREST as the alert did) or a
 * CASE_UPDATE naming the alert (under consent, for a peer that does not accept the extension) acknowledges it.
 */
export const EXPECTED_ANSWERS: Readonly<Record<ExpectingType, readonly MessageType[]>> = {
  REFERRAL_REQUEST: REPLY_TYPES.REFERRAL_REQUEST,
  IDENTITY_VERIFICATION_REQUEST: REPLY_TYPES.IDENTITY_VERIFICATION_REQUEST,
  EMERGENCY_ALERT: ['EMERGENCY_ALERT_ACKNOWLEDGEMENT', 'CASE_UPDATE'],
  RISK_ASSESSMENT_REQUEST: REPLY_TYPES.RISK_ASSESSMENT_REQUEST,
  FAMILY_TRACING_REQUEST: REPLY_TYPES.FAMILY_TRACING_REQUEST,
  RETURN_PLAN: REPLY_TYPES.RETURN_PLAN,
  REINTEGRATION_REQUEST: REPLY_TYPES.REINTEGRATION_REQUEST,
  EVIDENCE_REQUEST: REPLY_TYPES.EVIDENCE_REQUEST,
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Default answer times (domain.md). An emergency is transmitted and handled "without delay" (CoE
 * Convention art. 33): one hour. The referral (the request for assistance) is confirmed within 24 hours and
 * the return handshake is to be answered "promptly", before departure: three days for a return plan and a
 * reintegration request. A risk assessment or an identity check needs inquiries in the other country: a
 * week. Family tracing runs alongside the security assessment and may take longer: two weeks. Evidence goes
 * through police and prosecutors: thirty days.
 */
export const DEFAULT_DEADLINES_MS: Readonly<Record<ExpectingType, number>> = {
  REFERRAL_REQUEST: 24 * HOUR,
  IDENTITY_VERIFICATION_REQUEST: 7 * DAY,
  EMERGENCY_ALERT: HOUR,
  RISK_ASSESSMENT_REQUEST: 7 * DAY,
  FAMILY_TRACING_REQUEST: 14 * DAY,
  RETURN_PLAN: 3 * DAY,
  REINTEGRATION_REQUEST: 3 * DAY,
  EVIDENCE_REQUEST: 30 * DAY,
};

const EXPECTING: ReadonlySet<string> = new Set(EXPECTING_TYPES);

export function isExpectingType(type: string): type is ExpectingType {
  return EXPECTING.has(type);
}

/** The request types a message of this type may answer (e.g. CASE_UPDATE answers an EMERGENCY_ALERT). */
export function requestsAnsweredBy(type: MessageType): ExpectingType[] {
  return EXPECTING_TYPES.filter((request) => EXPECTED_ANSWERS[request].includes(type));
}

/** Every type that closes some expectation. */
export const ANSWER_TYPES: readonly MessageType[] = [...new Set(Object.values(EXPECTED_ANSWERS).flat())];

/** The SOP whose contact list answers for a request (every expecting type belongs to one). */
export function sopOf(type: ExpectingType): Sop {
  return SOP_OF_TYPE[type]!;
}

export function dueAt(
  type: ExpectingType,
  requestedAt: Date,
  deadlines: Record<ExpectingType, number>,
): Date {
  return new Date(requestedAt.getTime() + deadlines[type]);
}

/**
 * The return goes on after the handshake (issue 6): an accepted RETURN_PLAN_CONFIRMATION makes the country
 * that confirmed owe the ARRIVAL_CONFIRMATION, and an arrival that schedules a follow-up (always a child's:
 * the lifecycle requires it) makes the same country owe a CASE_UPDATE reporting it. The message that opens
 * each is its "request"; the deadlines follow the return's own dates, not a fixed answer time.
 */
export const RETURN_STEPS = {
  RETURN_PLAN_CONFIRMATION: ['ARRIVAL_CONFIRMATION'],
  ARRIVAL_CONFIRMATION: ['CASE_UPDATE'],
} as const satisfies Partial<Record<MessageType, readonly MessageType[]>>;

export type ReturnStep = keyof typeof RETURN_STEPS;

/**
 * A return step's deadline is the person's planned departure or follow-up date plus a configured margin, so
 * it is personal data: it is kept for the scheduler but left out of audit details and national events.
 * A request's deadline is its sending time plus a fixed period, which says nothing about the person.
 */
export function dueAtIsPersonal(requestType: string): boolean {
  return Object.prototype.hasOwnProperty.call(RETURN_STEPS, requestType);
}

/** The margin after the planned departure, and after the scheduled follow-up date (TRM_RETURN_MARGIN). */
export const DEFAULT_RETURN_MARGIN_MS = 2 * DAY;

/** When the plan (or its departure date) cannot be found: the arrival is awaited this long after confirming. */
export const ARRIVAL_WITHOUT_DEPARTURE_MS = 14 * DAY;

/**
 * When the arrival is due: the plan's estimated departure plus the margin, or, without a readable departure,
 * a fortnight after the confirmation plus the margin.
 */
export function arrivalDueAt(estimatedDeparture: unknown, confirmedAt: Date, marginMs: number): Date {
  const departure = typeof estimatedDeparture === 'string' ? Date.parse(estimatedDeparture) : NaN;
  const base = Number.isNaN(departure) ? confirmedAt.getTime() + ARRIVAL_WITHOUT_DEPARTURE_MS : departure;
  return new Date(base + marginMs);
}

/** When the follow-up report is due: the scheduled date (a calendar day, taken as its start in UTC) plus the margin. */
export function followUpDueAt(followUpScheduled: string, marginMs: number): Date {
  return new Date(Date.parse(`${followUpScheduled}T00:00:00.000Z`) + marginMs);
}

/** How long each escalated contact has to answer: the request type's deadline, the margin for a return step. */
export function escalationPeriod(
  requestType: string,
  deadlines: Record<ExpectingType, number>,
  returnMarginMs: number,
): number {
  return isExpectingType(requestType) ? deadlines[requestType] : returnMarginMs;
}

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * An ISO 8601 duration in weeks, days, hours, minutes and seconds (`PT1H`, `P3D`, `P1DT12H`), in
 * milliseconds. Years and months are refused: their length varies, and a deadline must not.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return null;
  const [weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const ms = ((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  return ms > 0 ? ms : null;
}

/**
 * `TYPE=DURATION` pairs separated by commas (`EMERGENCY_ALERT=PT1H,REFERRAL_REQUEST=PT24H`) over the
 * defaults. Returns every problem found, so the configuration can report them all at once.
 */
export function parseDeadlines(raw: string | undefined): {
  deadlines: Record<ExpectingType, number>;
  problems: string[];
} {
  const deadlines = { ...DEFAULT_DEADLINES_MS };
  const problems: string[] = [];
  for (const pair of (raw ?? '').split(',').map((p) => p.trim())) {
    if (!pair) continue;
    const [type, duration, ...rest] = pair.split('=').map((p) => p.trim());
    if (!isExpectingType(type)) {
      problems.push(
        `TRM_DEADLINES: ${JSON.stringify(type.slice(0, 40))} is not a request type (${EXPECTING_TYPES.join(', ')})`,
      );
      continue;
    }
    const ms = rest.length === 0 && duration ? parseDuration(duration) : null;
    if (ms === null)
      problems.push(`TRM_DEADLINES: ${type} needs an ISO 8601 duration such as PT1H, P3D or PT30M`);
    else deadlines[type] = ms;
  }
  return { deadlines, problems };
}

/** CANCELLED: the case was closed before the answer came, so nobody owes it any more. */
export const EXPECTATION_STATUSES = ['OPEN', 'OVERDUE', 'ANSWERED', 'FAILED', 'CANCELLED'] as const;
export type ExpectationStatus = (typeof EXPECTATION_STATUSES)[number];

/**
 * What ends the relationship with one country on a case, and so cancels what either side still awaits from
 * the other (`cancelReason` on the expectation: a code, never personal data). After a withdrawal an
 * emergency alert's acknowledgement stays owed, told or not: it needs no consent (VITAL_INTEREST answers
 * an alert sent on it), and danger does not end with consent.
 */
export const CANCELLATIONS = {
  /** A CASE_CLOSED sent to the country or received from it. */
  CASE_CLOSED: { keepEmergencies: false },
  /** The case closed here without a CASE_CLOSED to the country: no consent record ever named it. */
  CASE_CLOSED_UNTOLD: { keepEmergencies: false },
  /** A CONSENT_WITHDRAWN sent to the country or received from it. */
  CONSENT_WITHDRAWN: { keepEmergencies: true },
  /**
   * Consent withdrawn here, and the country, which received data of the case, could not be sent the
   * CONSENT_WITHDRAWN (listed in the withdrawal's `notNotified`): the answers could no longer legally be
   * sent or accepted either, and would otherwise stay open, overdue and escalating, forever.
   */
  CONSENT_WITHDRAWN_UNTOLD: { keepEmergencies: true },
  /** Our answer was refused with CASE_STATE_CONFLICT: the asking country's case takes it no more. */
  ANSWER_REFUSED: { keepEmergencies: false },
} as const satisfies Record<string, { keepEmergencies: boolean }>;

export type CancelReason = keyof typeof CANCELLATIONS;

/** Whether an open expectation is cancelled when the relationship with its country ends for `reason`. */
export function cancelledBy(reason: CancelReason, requestType: string): boolean {
  return !(CANCELLATIONS[reason].keepEmergencies && requestType === 'EMERGENCY_ALERT');
}

/**
 * What the scheduler does with an expectation whose deadline (or whose last escalation's period) has
 * passed: the first time, it becomes OVERDUE; each time, the next contact in the list for that country and
 * SOP is addressed, until the list is exhausted. Level 0 is the first contact, addressed with the request.
 */
export type OverdueStep =
  { kind: 'ESCALATE'; markOverdue: boolean; level: number } | { kind: 'EXHAUSTED'; markOverdue: boolean };

export function overdueStep(
  current: { status: ExpectationStatus; escalationLevel: number },
  contactCount: number,
): OverdueStep {
  const markOverdue = current.status === 'OPEN';
  const level = current.escalationLevel + 1;
  return level < contactCount ? { kind: 'ESCALATE', markOverdue, level } : { kind: 'EXHAUSTED', markOverdue };
}
