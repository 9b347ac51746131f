import {
  isInReplyToRequired,
  isTechnicalType,
  MessageType,
  requestTypesAnsweredBy,
  Sop,
  SOP_OF_TYPE,
  SOPS,
} from '../messages/message-types';
import { RELEASE_EVENTS, reportsRelease } from '../messages/payloads/proceedings.dto';
import { RejectionCode } from '../messages/rejection-codes';
import {
  childReturnReasons,
  familyTracingAsylumReasons,
  familyTracingWishReasons,
  identificationPending,
  removalDuringIdentificationReasons,
} from '../risk/risk.policy';
import { type AgeStatus, referralSaysChild } from './age-presumption';
import { ASYLUM_BLOCKED_TYPES, asylumReasons } from './case-facts.policy';

/**
 * The case lifecycle (domain.md, "The five SOPs"): which message makes sense in which state of the case, and
 * what it changes. Pure: the same function decides a message this node sends and one it receives, so both
 * sides of a border refuse the same contradictions. The SOPs are à la carte: phases may be skipped, run in
 * parallel or resumed; only what contradicts the case is refused.
 */

export const COUNTRY_ROLES = ['ORIGIN', 'TRANSIT', 'DESTINATION'] as const;
export type CountryRole = (typeof COUNTRY_ROLES)[number];

export const PHASE_STATUSES = ['NOT_STARTED', 'ACTIVE', 'COMPLETED', 'SKIPPED'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

/** The SOPs by the names of the TRM guidelines (domain.md). */
export const SOP_NAMES: Readonly<Record<Sop, string>> = {
  1: 'Identification',
  2: 'Crisis intervention / first assistance',
  3: 'Assistance and social inclusion',
  4: 'Voluntary return, legal stay and/or resettlement',
  5: 'Criminal proceedings and compensation claims',
};

/** Stored as JSON, so keyed by the SOP's number as text; a missing SOP has not started. */
export type Phases = Partial<Record<`${Sop}`, PhaseStatus>>;

export const CASE_STATUSES = ['OPEN', 'CLOSED'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export type Direction = 'SENT' | 'RECEIVED';

/** A message already on the case (sent or accepted, not rejected by the peer). */
export interface CaseMessageFact {
  id: string;
  type: MessageType;
  direction: Direction;
  counterpart: string;
  /** The `accepted` of a confirmation (null for other types): a refused reintegration does not end the return. */
  accepted: boolean | null;
  /** The `eligible` of a referral confirmation (null for other types): a return plan needs an eligible one. */
  eligible: boolean | null;
  /** A PROCEEDINGS_STATUS reporting an offender's release or escape (its confirmation may follow a closing). */
  release?: boolean;
}

export interface LifecycleState {
  status: CaseStatus;
  phases: Phases;
  /** The person is treated as a child (documented, presumed or disputed age). */
  child: boolean;
  guardianRecorded: boolean;
  /** The person's identification status on this node (PRESUMED_VICTIM, IDENTIFIED_VICTIM…), null if unknown. */
  identificationStatus: string | null;
  /** The other countries on the case. */
  countries: readonly string[];
  /** The countries whose part of the case is closed: a CASE_CLOSED went to or came from each. */
  closedWith: readonly string[];
  /**
   * The messages already on the case, oldest first. Only the types `needsHistory` names depend on it: the
   * caller may pass an empty list for the others.
   */
  history: readonly CaseMessageFact[];
  /**
   * The case's facts record an asylum claim pending on this node (src/cases/case-facts.policy.ts). Only the
   * types `needsCaseFacts` names depend on it.
   */
  asylumClaimPending?: boolean;
}

export interface LifecycleEvent {
  type: MessageType;
  direction: Direction;
  counterpart: string;
  payload: Record<string, unknown>;
  /** The message this one answers (the envelope's inReplyTo). */
  inReplyTo?: string | null;
}

export interface LifecycleReason {
  code: RejectionCode.CASE_STATE_CONFLICT | RejectionCode.POLICY_DENIED;
  /** Plain text without personal data: it travels in DELIVERY_REJECTED and into logs. */
  message: string;
  /** The rule of the case's facts that refused, if one did (never travels). */
  rule?: string;
}

export interface LifecycleChange {
  status: CaseStatus;
  phases: Phases;
}

export type LifecycleDecision =
  { allow: true; next: LifecycleChange } | { allow: false; reasons: LifecycleReason[] };

/** A risk assessment may be shared unasked: both countries' assessments count (risk policy). */
const UNSOLICITED_ANSWERS: ReadonlySet<MessageType> = new Set(['RISK_ASSESSMENT_RESULT']);

/** A child's referral and return steps, which need a guardian or legal representative named on the case. */
const GUARDIAN_STEPS: ReadonlySet<MessageType> = new Set([
  'REFERRAL_REQUEST',
  'FAMILY_TRACING_REQUEST',
  'RETURN_PLAN',
  'REINTEGRATION_REQUEST',
]);

/** The types a message answers (REPLY_TYPES), less those that may come unasked. */
export function requiredRequests(type: MessageType): MessageType[] {
  return UNSOLICITED_ANSWERS.has(type) ? [] : requestTypesAnsweredBy(type);
}

/**
 * Whether deciding `type` reads the case's earlier messages (so the hot path loads them only then): an
 * answer (an alert's acknowledgement among them), a return plan (the referral's answer), and on a case
 * closed with the counterpart an update (which may acknowledge an alert).
 */
export function needsHistory(type: MessageType, closedWithCounterpart = false): boolean {
  return (
    requiredRequests(type).length > 0 ||
    type === 'RETURN_PLAN' ||
    (closedWithCounterpart && ALERT_ACKNOWLEDGEMENTS.has(type))
  );
}

/**
 * The events to try when asking whether a coordinator could send `type` to `counterpart` now (the console's
 * compose options): the message as it may be written, not as it is, so a type is offered when some payload or
 * reply could pass. A child's referral says so; an answer that must name its request, or an acknowledgement,
 * is tried with each request of the case it could name (from that country); a proceedings status also as an
 * offender's release, which goes through on a closed case. Payload rules are the dry run's.
 */
export function composeEvents(
  type: MessageType,
  counterpart: string,
  facts: { ageStatus: AgeStatus | null; history: readonly CaseMessageFact[] },
): LifecycleEvent[] {
  const base: LifecycleEvent = {
    type,
    direction: 'SENT',
    counterpart,
    payload: whatTheFormWillSay(type, facts.ageStatus),
  };
  if (type === 'PROCEEDINGS_STATUS') return [base, { ...base, payload: { event: RELEASE_EVENTS[0] } }];
  const requests: readonly MessageType[] = ALERT_ACKNOWLEDGEMENTS.has(type)
    ? ['EMERGENCY_ALERT']
    : isInReplyToRequired(type)
      ? requiredRequests(type)
      : [];
  const named = facts.history
    .filter(
      (m) =>
        (requests.includes(m.type) || (type === 'CASE_UPDATE' && m.release === true)) &&
        m.direction === 'RECEIVED' &&
        m.counterpart === counterpart,
    )
    .map((m) => ({ ...base, inReplyTo: m.id }));
  return [base, ...named];
}

/**
 * The payload fields the lifecycle reads that the compose form asks for anyway, so that their absence here is
 * no refusal: a child's referral says she is a child, a child's arrival says when the follow-up visit is. The
 * dry run and the send judge the real payload.
 */
function whatTheFormWillSay(type: MessageType, ageStatus: AgeStatus | null): Record<string, unknown> {
  if (type === 'REFERRAL_REQUEST' && ageStatus) return { age: { status: ageStatus } };
  if (type === 'ARRIVAL_CONFIRMATION') return { followUpScheduled: 'asked by the form' };
  return {};
}

/** Whether the case, or the counterpart's part of it, is closed (a CASE_CLOSED went to or came from it). */
export function isClosedWith(
  state: Pick<LifecycleState, 'status' | 'closedWith'>,
  counterpart: string,
): boolean {
  return state.status === 'CLOSED' || state.closedWith.includes(counterpart);
}

const conflict = (message: string): LifecycleReason => ({ code: RejectionCode.CASE_STATE_CONFLICT, message });
const denied = (message: string): LifecycleReason => ({ code: RejectionCode.POLICY_DENIED, message });
const opposite = (direction: Direction): Direction => (direction === 'SENT' ? 'RECEIVED' : 'SENT');

/**
 * A closed case (or a country's closed part of it) still takes technical traffic, a CASE_CLOSED from the
 * other side (both may close at once), a consent withdrawal (withdrawing is the person's right, and those who
 * received the data must be told), and an emergency alert with the update or acknowledgement that answers it:
 * danger does not end with the case (traffickers waiting after the return).
 */
const AFTER_CLOSURE: ReadonlySet<MessageType> = new Set([
  'CASE_CLOSED',
  'CONSENT_WITHDRAWN',
  'EMERGENCY_ALERT',
]);

/**
 * An offender's release or escape reaches the victim's country whatever the state of the case: offenders are
 * released years after a case closed, and she must be told (a PROCEEDINGS_STATUS reporting it).
 */
export function isReleaseNotice(event: Pick<LifecycleEvent, 'type' | 'payload'>): boolean {
  return event.type === 'PROCEEDINGS_STATUS' && reportsRelease(event.payload);
}

function closedCaseReasons(state: LifecycleState, event: LifecycleEvent): LifecycleReason[] {
  if (
    !isClosedWith(state, event.counterpart) ||
    AFTER_CLOSURE.has(event.type) ||
    isReleaseNotice(event) ||
    acknowledgesAlert(state, event) ||
    confirmsReleaseTold(state, event)
  )
    return [];
  if (state.status === 'CLOSED') return [conflict(`the case is closed; ${event.type} is not allowed on it`)];
  return [
    conflict(`the case is closed with ${event.counterpart}; ${event.type} is not allowed between them`),
  ];
}

/**
 * The types that acknowledge an emergency alert when their inReplyTo names one (and so go through on a closed
 * case, as the alert did): an update, the acknowledgement, and the result of the search a missing-child
 * alert started.
 */
const ALERT_ACKNOWLEDGEMENTS: ReadonlySet<MessageType> = new Set([
  'CASE_UPDATE',
  'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
  'MISSING_PERSON_SEARCH_RESULT',
]);

/**
 * A CASE_UPDATE or an EMERGENCY_ALERT_ACKNOWLEDGEMENT whose inReplyTo names an emergency alert from the same
 * country, in the other direction.
 */
function acknowledgesAlert(state: LifecycleState, event: LifecycleEvent): boolean {
  if (!ALERT_ACKNOWLEDGEMENTS.has(event.type) || !event.inReplyTo) return false;
  return state.history.some(
    (m) =>
      m.id === event.inReplyTo &&
      m.type === 'EMERGENCY_ALERT' &&
      m.direction === opposite(event.direction) &&
      m.counterpart === event.counterpart,
  );
}

/**
 * A CASE_UPDATE whose inReplyTo names an offender's release notice from the same country, in the other
 * direction: the victim's country says she was told (docs/expectations.md), on a closed case too.
 */
function confirmsReleaseTold(state: LifecycleState, event: LifecycleEvent): boolean {
  if (event.type !== 'CASE_UPDATE' || !event.inReplyTo) return false;
  return state.history.some(
    (m) =>
      m.id === event.inReplyTo &&
      m.release === true &&
      m.direction === opposite(event.direction) &&
      m.counterpart === event.counterpart,
  );
}

/** An EMERGENCY_ALERT_ACKNOWLEDGEMENT names, in its inReplyTo, the alert it acknowledges. */
function acknowledgementReasons(state: LifecycleState, event: LifecycleEvent): LifecycleReason[] {
  if (event.type !== 'EMERGENCY_ALERT_ACKNOWLEDGEMENT' || acknowledgesAlert(state, event)) return [];
  const between = event.direction === 'SENT' ? `from ${event.counterpart}` : `to ${event.counterpart}`;
  return [
    conflict(
      `EMERGENCY_ALERT_ACKNOWLEDGEMENT must name in inReplyTo an EMERGENCY_ALERT ${between} on the case`,
    ),
  ];
}

/**
 * An answer needs its request, from the same country in the other direction (no arrival without a plan). The
 * answers that must name their request (IN_REPLY_TO_REQUIRED: a travel document's result, a witness's answer)
 * need that very request.
 */
function answerReasons(state: LifecycleState, event: LifecycleEvent): LifecycleReason[] {
  const requests = requiredRequests(event.type);
  if (requests.length === 0) return [];
  // The acknowledgement's own rule names its alert (acknowledgementReasons).
  const named = isInReplyToRequired(event.type) && event.type !== 'EMERGENCY_ALERT_ACKNOWLEDGEMENT';
  const asked = state.history.some(
    (m) =>
      requests.includes(m.type) &&
      m.direction === opposite(event.direction) &&
      m.counterpart === event.counterpart &&
      (!named || m.id === event.inReplyTo),
  );
  if (asked) return [];
  const between = event.direction === 'SENT' ? `from ${event.counterpart}` : `to ${event.counterpart}`;
  if (named) {
    return [
      conflict(
        `${event.type} answers ${requests.join(' or ')}, named in inReplyTo, and the case has none such ${between}`,
      ),
    ];
  }
  return [conflict(`${event.type} answers ${requests.join(' or ')}, and the case has none ${between}`)];
}

/** Age presumption: a referral that says the person is a child makes the case a child's case. */
function isChild(state: LifecycleState, event: LifecycleEvent): boolean {
  return state.child || referralSaysChild(event.type, event.payload);
}

/**
 * The child-specific rules the consent and risk policies do not already hold: a guardian named on the case
 * before this node refers or returns a child, no referral of a child's case as an adult (a message never
 * lowers the age status), (since no risk gate runs on what a node receives) the best-interests rule on a
 * return plan received for a child, and a follow-up date on a child's arrival, either way.
 */
function childReasons(state: LifecycleState, event: LifecycleEvent): LifecycleReason[] {
  if (!isChild(state, event)) return [];
  const reasons: LifecycleReason[] = [];
  if (
    event.direction === 'SENT' &&
    event.type === 'REFERRAL_REQUEST' &&
    !referralSaysChild(event.type, event.payload)
  ) {
    reasons.push(denied("the case is a child's case: a referral cannot present the person as an adult"));
  }
  if (event.direction === 'SENT' && GUARDIAN_STEPS.has(event.type) && !state.guardianRecorded) {
    reasons.push(
      denied(
        `the person is treated as a child: ${event.type} needs a guardian or legal representative on the case`,
      ),
    );
  }
  if (event.direction === 'RECEIVED' && event.type === 'RETURN_PLAN') {
    reasons.push(...childReturnReasons(event.payload).map((r) => denied(r.message)));
  }
  // A returned child is checked on after arrival (domain.md, "Children"): the arrival says when.
  if (event.type === 'ARRIVAL_CONFIRMATION' && typeof event.payload.followUpScheduled !== 'string') {
    reasons.push(denied("the case is a child's case: ARRIVAL_CONFIRMATION needs followUpScheduled"));
  }
  return reasons;
}

/** Whether deciding `type` reads the case's facts (so the hot path loads them only then). */
export function needsCaseFacts(type: MessageType, direction: Direction): boolean {
  return direction === 'RECEIVED' && ASYLUM_BLOCKED_TYPES.includes(type);
}

/**
 * The risk gate's rules that hold whatever the assessment says (no removal during identification, no family
 * tracing without her wish, nothing `asylumReasons` names while this node records an asylum claim pending,
 * nor a family tracing whose sender says one is), for what this node receives: the risk gate checks what it
 * sends.
 */
function receivedRemovalReasons(state: LifecycleState, event: LifecycleEvent): LifecycleReason[] {
  if (event.direction !== 'RECEIVED') return [];
  const fromFacts = asylumReasons(event.type, state.asylumClaimPending ?? false);
  const reasons: Array<{ message: string; rule?: string }> =
    event.type === 'RETURN_PLAN'
      ? removalDuringIdentificationReasons(state.identificationStatus)
      : event.type === 'FAMILY_TRACING_REQUEST'
        ? [
            ...familyTracingWishReasons(event.payload),
            ...(fromFacts.length > 0 ? [] : familyTracingAsylumReasons(event.payload)),
          ]
        : [];
  return [...fromFacts, ...reasons].map((r) => ({
    ...denied(r.message),
    ...(r.rule ? { rule: r.rule } : {}),
  }));
}

/** The latest fact the predicate picks, or undefined. */
function latest(
  history: readonly CaseMessageFact[],
  pick: (m: CaseMessageFact) => boolean,
): CaseMessageFact | undefined {
  return history.filter(pick).at(-1);
}

/**
 * The return handshake in order: no return plan to a country that declined the referral or found the person
 * not eligible (its latest answer counts), and no arrival before that country accepted the plan.
 */
function handshakeReasons(state: LifecycleState, event: LifecycleEvent): LifecycleReason[] {
  if (event.type === 'RETURN_PLAN') {
    // The country of return answered the referral: the other direction from the plan's.
    const answer = latest(
      state.history,
      (m) =>
        (m.type === 'REFERRAL_CONFIRMATION' || m.type === 'REFERRAL_DECLINED') &&
        m.direction === opposite(event.direction) &&
        m.counterpart === event.counterpart,
    );
    if (answer && (answer.type === 'REFERRAL_DECLINED' || answer.eligible === false)) {
      return [
        conflict(
          `the referral to ${event.counterpart} was declined or found the person not eligible: no return plan`,
        ),
      ];
    }
  }
  if (event.type === 'ARRIVAL_CONFIRMATION') {
    // The country that confirms the arrival confirmed the plan: the same direction as the arrival's.
    const confirmation = latest(
      state.history,
      (m) =>
        m.type === 'RETURN_PLAN_CONFIRMATION' &&
        m.direction === event.direction &&
        m.counterpart === event.counterpart,
    );
    if (confirmation?.accepted !== true) {
      return [conflict('ARRIVAL_CONFIRMATION needs the return plan confirmed as accepted first')];
    }
  }
  return [];
}

/** The return ends with the arrival confirmed and reintegration assistance confirmed (the fourth notification). */
function returnCompleted(history: ReadonlyArray<Pick<CaseMessageFact, 'type' | 'accepted'>>): boolean {
  const arrived = history.some((m) => m.type === 'ARRIVAL_CONFIRMATION');
  const reintegrated = history.some((m) => m.type === 'REINTEGRATION_CONFIRMATION' && m.accepted === true);
  return arrived && reintegrated;
}

/** What an allowed message changes: the phases it starts or ends, and the status. */
export function nextState(state: LifecycleState, event: LifecycleEvent): LifecycleChange {
  // A closed case changes no more (an alert after it starts nothing).
  if (isTechnicalType(event.type) || state.status === 'CLOSED')
    return { status: state.status, phases: state.phases };
  const phases: Phases = { ...state.phases };
  if (event.type === 'CASE_CLOSED') {
    // A country's CASE_CLOSED ends its part of the case; the case closes when no other country remains on it.
    const closed = new Set([...state.closedWith, event.counterpart]);
    if (state.countries.some((country) => !closed.has(country))) return { status: 'OPEN', phases };
    // Closing ends what is under way; a phase never started was not needed.
    for (const sop of SOPS) {
      const current = phases[`${sop}`] ?? 'NOT_STARTED';
      phases[`${sop}`] = current === 'ACTIVE' ? 'COMPLETED' : current === 'NOT_STARTED' ? 'SKIPPED' : current;
    }
    return { status: 'CLOSED', phases };
  }
  // A step report says which assistance SOP it belongs to (first assistance or assistance).
  const sop = event.type === 'ASSISTANCE_STEP_REPORT' ? (event.payload.sop as Sop) : SOP_OF_TYPE[event.type];
  if (sop !== null) phases[`${sop}`] = 'ACTIVE';
  if (event.type === 'REFERRAL_REQUEST') {
    const requested = event.payload.requestedSop as Sop | undefined;
    if (requested !== undefined) phases[`${requested}`] = 'ACTIVE';
  }
  // The receiving country found the person eligible and identification is not pending: it has done its part.
  if (
    event.type === 'REFERRAL_CONFIRMATION' &&
    event.payload.eligible === true &&
    !identificationPending(state.identificationStatus)
  )
    phases['1'] = 'COMPLETED';
  const accepted = typeof event.payload.accepted === 'boolean' ? event.payload.accepted : null;
  if (returnCompleted([...state.history, { ...event, accepted }])) phases['4'] = 'COMPLETED';
  return { status: state.status, phases };
}

export function decideLifecycle(state: LifecycleState, event: LifecycleEvent): LifecycleDecision {
  if (isTechnicalType(event.type)) return { allow: true, next: nextState(state, event) };
  const closed = closedCaseReasons(state, event);
  if (closed.length > 0) return { allow: false, reasons: closed };
  const unasked = answerReasons(state, event);
  const reasons = [
    ...(unasked.length > 0
      ? unasked
      : [...acknowledgementReasons(state, event), ...handshakeReasons(state, event)]),
    ...childReasons(state, event),
    ...receivedRemovalReasons(state, event),
  ];
  return reasons.length > 0 ? { allow: false, reasons } : { allow: true, next: nextState(state, event) };
}

/**
 * A closed case may be reopened, with a reason (new facts, a new request, a person back in danger); an open
 * one is not reopened. Reopening is this node's: each country reopens its own part of the case, and the
 * CASE_CLOSED exchanged before it no longer closes anything (`closedWith` counts those after it only).
 */
export function decideReopen(status: CaseStatus): { allow: true } | { allow: false; reason: string } {
  return status === 'CLOSED'
    ? { allow: true }
    : { allow: false, reason: 'the case is open: nothing to reopen' };
}

/** A coordinator sets a phase by hand (e.g. skips SOP 5, or completes SOP 2); a closed case changes no more. */
export function decidePhaseChange(to: PhaseStatus): { allow: true } | { allow: false; reason: string } {
  if (to === 'NOT_STARTED') return { allow: false, reason: 'a phase cannot be set back to NOT_STARTED' };
  return { allow: true };
}

export const AGE_EVIDENCE = ['DOCUMENT', 'AGE_ASSESSMENT', 'PRESUMPTION'] as const;
export type AgeEvidence = (typeof AGE_EVIDENCE)[number];

/**
 * Age presumption (Council of Europe Convention, art. 10): a person is protected as a child until shown
 * otherwise, so a documented age (adult or child) needs a document or an age assessment, and a presumption
 * can only make someone a child, never an adult.
 */
/**
 * The age status after a message that reports one (a referral): it may make the person a child, or document
 * a child's age, but never makes a child's case an adult's (only a coordinator may, on evidence).
 */
export function ageStatusAfterMessage(
  current: AgeStatus | null,
  reported: AgeStatus | undefined,
): AgeStatus | null {
  if (reported === undefined || current === null || current === 'DOCUMENTED_ADULT')
    return reported ?? current;
  return reported === 'DOCUMENTED_CHILD' ? reported : current;
}

/**
 * The identification status after a message that reports one (a referral). Identifying a victim is the case
 * owner's decision (the country that opened the case and refers the person): only the owner's messages set
 * it, in either direction, so no other country's word moves a person out of identification and opens the
 * way to a return; on this node's own case no received message changes it. Another country's differing view
 * stays in its message.
 */
export function identificationStatusAfterMessage(
  current: string | null,
  reported: string | undefined,
  sender: string,
  owner: string,
): string | null {
  return reported !== undefined && sender === owner ? reported : current;
}

/**
 * Where a coordinator's identification decision lands. On this node's own case it is the owner's decision:
 * the case's status, which travels in its later referrals. On another country's case it is this node's own
 * view (MK identifying on FR's case, as MK's police did for the minor returned from France): kept apart,
 * for this node's gates only, never the owner's status, which only the owner's messages change.
 */
export function identificationDecisionTarget(self: string, owner: string): 'OWNER_STATUS' | 'OWN_VIEW' {
  return self === owner ? 'OWNER_STATUS' : 'OWN_VIEW';
}

/**
 * The identification status this node's gates and lifecycle use: its own decision on another country's
 * case once it recorded one (each country answers for its own decisions), else the owner's status.
 */
export function gateIdentificationStatus(c: {
  identificationStatus: string | null;
  ownIdentificationStatus: string | null;
}): string | null {
  return c.ownIdentificationStatus ?? c.identificationStatus;
}

export function decideAgeStatusChange(
  to: AgeStatus,
  evidence: AgeEvidence,
): { allow: true } | { allow: false; reason: string } {
  const documented = to === 'DOCUMENTED_ADULT' || to === 'DOCUMENTED_CHILD';
  if (documented && evidence === 'PRESUMPTION') {
    return { allow: false, reason: `${to} needs a document or an age assessment, not a presumption` };
  }
  return { allow: true };
}

/**
 * Roles a message makes plain, for countries that have none yet (a coordinator's choice is never
 * overwritten): a return plan goes from the destination to the origin, and a referral names the country of
 * residence in the origin.
 */
export function inferRoles(
  self: string,
  roles: Readonly<Record<string, CountryRole>>,
  event: LifecycleEvent,
): Record<string, CountryRole> {
  const found: Record<string, CountryRole> = {};
  const [sender, recipient] =
    event.direction === 'SENT' ? [self, event.counterpart] : [event.counterpart, self];
  if (event.type === 'RETURN_PLAN') {
    found[sender] = 'DESTINATION';
    found[recipient] = 'ORIGIN';
  }
  const residence = event.payload.residenceInOrigin as { country?: unknown } | undefined;
  if (event.type === 'REFERRAL_REQUEST' && typeof residence?.country === 'string') {
    found[residence.country] = 'ORIGIN';
  }
  return { ...found, ...roles };
}
