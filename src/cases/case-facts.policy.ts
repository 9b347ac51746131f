import type { MessageType } from '../messages/message-types';
import { RejectionCode } from '../messages/rejection-codes';

/**
 * Facts on the case that the gates read (issue 15): an asylum claim, the identification history, the
 * reflection and recovery period, threats reported, reopenings. A node records them for its own gates; none
 * travels. Pure: the history is an append-only list of entries, and every current value is folded from it,
 * so what a gate decided on can always be retraced.
 */

export const ASYLUM_STATUSES = ['PENDING', 'GRANTED', 'REFUSED'] as const;
export type AsylumStatus = (typeof ASYLUM_STATUSES)[number];

/** Against whom a threat was made: the person, the family, a witness, a professional on the case, others. */
export const THREAT_TARGETS = ['VICTIM', 'FAMILY', 'WITNESS', 'PROFESSIONAL', 'OTHER'] as const;
export type ThreatTarget = (typeof THREAT_TARGETS)[number];

/** Where an identification status came from: the case's opening, a coordinator, the owner's referral. */
export const IDENTIFICATION_SOURCES = ['OPENING', 'COORDINATOR', 'REFERRAL'] as const;
export type IdentificationSource = (typeof IDENTIFICATION_SOURCES)[number];

/**
 * The reason codes of the gates that read these facts, beside the protocol's code (POLICY_DENIED) of each
 * reason: they say which rule refused, and never travel (a peer reads the message text).
 */
export enum CaseFactRule {
  /** No family tracing, return plan or identity verification with the origin while asylum is pending. */
  ASYLUM_CLAIM_PENDING = 'ASYLUM_CLAIM_PENDING',
  /** A threat was reported after the current assessment: no return until a new one is recorded. */
  THREAT_REVIEW_PENDING = 'THREAT_REVIEW_PENDING',
  /** RF-05 present: the family is tied to the trafficker; no family tracing, no return to the family. */
  FAMILY_INVOLVED = 'FAMILY_INVOLVED',
  /** RF-02 present: threats against the family in the origin; evidence contact with it is gated as at HIGH. */
  FAMILY_THREATENED = 'FAMILY_THREATENED',
  /** The payload holds the value of one of this node's local secrets (src/cases/local-secrets.policy.ts). */
  LOCAL_SECRET = 'LOCAL_SECRET',
}

export interface AsylumClaimFact {
  status: AsylumStatus;
  /** YYYY-MM-DD. */
  lodgedOn: string;
  decidedOn: string | null;
}

export interface IdentificationFact {
  from: string | null;
  to: string;
  /** The owner's status (this node's own case) or this node's own view on another country's case. */
  target: 'OWNER_STATUS' | 'OWN_VIEW';
  source: IdentificationSource;
  reason: string | null;
}

export interface ReflectionPeriodFact {
  startOn: string;
  /** The country's period when it was recorded (TRM_REFLECTION_PERIOD_DAYS): a later change moves no end. */
  days: number;
}

export interface ReflectionExtensionFact {
  days: number;
  reason: string;
}

export interface ThreatFact {
  /** A role or an agency (e.g. "police, anti-trafficking unit"), never a person's name. */
  reportedBy: string;
  reportedOn: string;
  against: ThreatTarget[];
  /** A short kind (e.g. "threatening messages", "offer of money to withdraw the complaint"). */
  kind: string;
}

export interface ReopenedFact {
  reason: string;
}

export type CaseFactBody =
  | { kind: 'ASYLUM_CLAIM'; fact: AsylumClaimFact }
  | { kind: 'IDENTIFICATION'; fact: IdentificationFact }
  | { kind: 'REFLECTION_PERIOD'; fact: ReflectionPeriodFact }
  | { kind: 'REFLECTION_EXTENSION'; fact: ReflectionExtensionFact }
  | { kind: 'THREAT'; fact: ThreatFact }
  | { kind: 'REOPENED'; fact: ReopenedFact };

export type CaseFactKind = CaseFactBody['kind'];
export const CASE_FACT_KINDS: readonly CaseFactKind[] = [
  'ASYLUM_CLAIM',
  'IDENTIFICATION',
  'REFLECTION_PERIOD',
  'REFLECTION_EXTENSION',
  'THREAT',
  'REOPENED',
];

/** One recorded fact: who recorded it and when. */
export type CaseFactEntry = CaseFactBody & { id: string; recordedBy: string; recordedAt: Date };

type Recorded<T> = T & { id: string; recordedBy: string; recordedAt: string };

export interface ReflectionState {
  startOn: string;
  /** The first day after the period (YYYY-MM-DD). */
  endOn: string;
  days: number;
  extensions: Array<Recorded<ReflectionExtensionFact>>;
  /** Whether today lies within the period. */
  active: boolean;
  /** Days until endOn, 0 once it is over (the whole period when it has not started). */
  daysLeft: number;
  recordedBy: string;
  recordedAt: string;
}

/** Everything the case's facts say now, with their history. */
export interface CaseFactsState {
  asylum: { current: Recorded<AsylumClaimFact> | null; history: Array<Recorded<AsylumClaimFact>> };
  identification: Array<Recorded<IdentificationFact>>;
  reflection: ReflectionState | null;
  threats: Array<Recorded<ThreatFact> & { duringReflectionPeriod: boolean }>;
  reopenings: Array<Recorded<ReopenedFact>>;
}

const DAY_MS = 86_400_000;

/** The UTC date (YYYY-MM-DD) of an instant. */
export const dateOf = (at: Date): string => at.toISOString().slice(0, 10);

export function addDays(date: string, days: number): string {
  return dateOf(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
}

const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** Folds the entries (any order) into the case's facts as of `now`. */
export function foldCaseFacts(entries: readonly CaseFactEntry[], now: Date): CaseFactsState {
  const ordered = [...entries].sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
  const recorded = <T>(e: CaseFactEntry, fact: T): Recorded<T> => ({
    ...fact,
    id: e.id,
    recordedBy: e.recordedBy,
    recordedAt: e.recordedAt.toISOString(),
  });
  const asylum: Array<Recorded<AsylumClaimFact>> = [];
  const identification: Array<Recorded<IdentificationFact>> = [];
  const extensions: Array<Recorded<ReflectionExtensionFact>> = [];
  const threats: Array<Recorded<ThreatFact>> = [];
  const reopenings: Array<Recorded<ReopenedFact>> = [];
  let period: Recorded<ReflectionPeriodFact> | null = null;
  for (const e of ordered) {
    switch (e.kind) {
      case 'ASYLUM_CLAIM':
        asylum.push(recorded(e, e.fact));
        break;
      case 'IDENTIFICATION':
        identification.push(recorded(e, e.fact));
        break;
      case 'REFLECTION_PERIOD':
        period = recorded(e, e.fact);
        break;
      case 'REFLECTION_EXTENSION':
        extensions.push(recorded(e, e.fact));
        break;
      case 'THREAT':
        threats.push(recorded(e, e.fact));
        break;
      case 'REOPENED':
        reopenings.push(recorded(e, e.fact));
        break;
    }
  }
  const reflection = period ? reflectionState(period, extensions, now) : null;
  return {
    asylum: { current: asylum.at(-1) ?? null, history: asylum },
    identification,
    reflection,
    threats: threats.map((t) => ({
      ...t,
      duringReflectionPeriod: reflection !== null && within(reflection, t.reportedOn),
    })),
    reopenings,
  };
}

const within = (period: { startOn: string; endOn: string }, date: string): boolean =>
  date >= period.startOn && date < period.endOn;

function reflectionState(
  period: Recorded<ReflectionPeriodFact>,
  extensions: Array<Recorded<ReflectionExtensionFact>>,
  now: Date,
): ReflectionState {
  const days = period.days + extensions.reduce((sum, x) => sum + x.days, 0);
  const endOn = addDays(period.startOn, days);
  const today = dateOf(now);
  return {
    startOn: period.startOn,
    endOn,
    days,
    extensions,
    active: within({ startOn: period.startOn, endOn }, today),
    daysLeft: Math.max(0, daysBetween(today < period.startOn ? period.startOn : today, endOn)),
    recordedBy: period.recordedBy,
    recordedAt: period.recordedAt,
  };
}

export type FactDecision = { allow: true } | { allow: false; conflict?: boolean; reason: string };

const refuse = (reason: string, conflict = false): FactDecision => ({
  allow: false,
  reason,
  ...(conflict ? { conflict } : {}),
});

/** A claim's dates: lodged before decided, neither in the future; a pending claim has no decision date. */
export function decideAsylumClaim(fact: AsylumClaimFact, now: Date): FactDecision {
  const today = dateOf(now);
  if (fact.lodgedOn > today) return refuse('lodgedOn lies in the future');
  if (fact.status === 'PENDING') {
    return fact.decidedOn === null ? { allow: true } : refuse('a PENDING claim has no decidedOn');
  }
  if (fact.decidedOn === null) return refuse(`a ${fact.status} claim needs decidedOn`);
  if (fact.decidedOn > today) return refuse('decidedOn lies in the future');
  if (fact.decidedOn < fact.lodgedOn) return refuse('decidedOn lies before lodgedOn');
  return { allow: true };
}

/** A period starts once (it is extended, not restarted), on a day that is not in the future. */
export function decideReflectionStart(state: CaseFactsState, startOn: string, now: Date): FactDecision {
  if (state.reflection) return refuse('the reflection period is already recorded: extend it instead', true);
  if (startOn > dateOf(now)) return refuse('startOn lies in the future');
  return { allow: true };
}

export function decideReflectionExtension(state: CaseFactsState): FactDecision {
  return state.reflection
    ? { allow: true }
    : refuse('no reflection period is recorded on the case: record its start first', true);
}

export function decideThreat(fact: ThreatFact, now: Date): FactDecision {
  if (fact.reportedOn > dateOf(now)) return refuse('reportedOn lies in the future');
  return { allow: true };
}

/** A gate's reason from the case's facts: the protocol's code, and the rule that refused. */
export interface FactReason {
  code: RejectionCode.POLICY_DENIED;
  rule: CaseFactRule;
  message: string;
  overridable?: boolean;
}

/**
 * While an asylum claim is pending: no family tracing (domain.md), no return plan, no identity verification
 * with the country of origin's authorities (the catalogue's IDENTITY_VERIFICATION_REQUEST, which always
 * needs CONTACT_ORIGIN_AUTHORITIES), nor a travel document asked of its consular services (the extension's
 * TRAVEL_DOCUMENT_REQUEST, which names the person to them): the person may be fleeing them.
 */
export const ASYLUM_BLOCKED_TYPES: readonly MessageType[] = [
  'FAMILY_TRACING_REQUEST',
  'RETURN_PLAN',
  'IDENTITY_VERIFICATION_REQUEST',
  'TRAVEL_DOCUMENT_REQUEST',
];

export function asylumClaimPending(state: Pick<CaseFactsState, 'asylum'>): boolean {
  return state.asylum.current?.status === 'PENDING';
}

export function asylumReasons(type: MessageType, pending: boolean): FactReason[] {
  if (!pending || !ASYLUM_BLOCKED_TYPES.includes(type)) return [];
  return [
    {
      code: RejectionCode.POLICY_DENIED,
      rule: CaseFactRule.ASYLUM_CLAIM_PENDING,
      message: `an asylum claim is pending on the case: no ${type}`,
    },
  ];
}

/** When each threat was recorded on this node: a return waits for an assessment recorded after the latest. */
export function threatTimes(state: Pick<CaseFactsState, 'threats'>): Date[] {
  return state.threats.map((t) => new Date(t.recordedAt));
}
