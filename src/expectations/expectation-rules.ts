import { DAY, EXPECTING_TYPES, ExpectingType, isExpectingType } from '../config/deadlines';
import { MessageType, REPLY_TYPES, Sop, SOP_OF_TYPE } from '../messages/message-types';
import { reportsRelease } from '../messages/payloads/proceedings.dto';

/**
 * Which sent message makes the other side owe an answer, with which types, and how long they have. Pure:
 * the expectations service, the scheduler, the configuration and the docs all read it.
 */

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
  TRAVEL_DOCUMENT_REQUEST: REPLY_TYPES.TRAVEL_DOCUMENT_REQUEST,
  RISK_ASSESSMENT_REQUEST: REPLY_TYPES.RISK_ASSESSMENT_REQUEST,
  FAMILY_TRACING_REQUEST: REPLY_TYPES.FAMILY_TRACING_REQUEST,
  RETURN_PLAN: REPLY_TYPES.RETURN_PLAN,
  REINTEGRATION_REQUEST: REPLY_TYPES.REINTEGRATION_REQUEST,
  EVIDENCE_REQUEST: REPLY_TYPES.EVIDENCE_REQUEST,
  WITNESS_APPEARANCE_REQUEST: REPLY_TYPES.WITNESS_APPEARANCE_REQUEST,
  // An offender's release: the victim's country says, in an update naming the notice, that she was told.
  PROCEEDINGS_STATUS: ['CASE_UPDATE'],
};

/**
 * Whether a message of an expecting type opens an expectation: every request does; a proceedings status only
 * when it reports an offender's release or escape (a hearing date or a verdict is news, not a question).
 */
export function opensExpectation(type: ExpectingType, payload: Record<string, unknown>): boolean {
  return type !== 'PROCEEDINGS_STATUS' || reportsRelease(payload);
}

/**
 * The expectations only an answer naming them settles (by `inReplyTo`), never a routine update of the case
 * that happens to have the expected type: an alert's acknowledgement, word that she was told of a release.
 */
export const SETTLED_ONLY_BY_NAME: readonly ExpectingType[] = ['EMERGENCY_ALERT', 'PROCEEDINGS_STATUS'];

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
