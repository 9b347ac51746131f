/**
 * SOP-compliance indicators (docs/indicators.md): pure computations over the rows a node already holds (its
 * audit trail, expectations and cases), for a period and per partner country. No Nest, no database: the
 * service reads the rows, these functions count.
 */
import type { ReturnChecklist } from '../cases/return-checklist';
import { identificationPending } from '../risk/risk.policy';

/** Where a transfer was refused: this node before sending, this node on receipt, or the partner on receipt. */
export type RefusalGate = 'SENDING' | 'RECEIVING' | 'PARTNER';

export interface RefusalCount {
  gate: RefusalGate;
  reasonCode: string;
  country: string;
  count: number;
}

export interface WithdrawalRow {
  /** `details.notified` and `details.notNotified` of a CONSENT_WITHDRAWN entry: the countries told, and not. */
  notified: string[];
  notNotified: string[];
}

export interface WithdrawalIndicator {
  withdrawals: number;
  /** Recipients that had the case's data: told with a CONSENT_WITHDRAWN, or not (the coordinator must tell them by other means). */
  recipientsTold: number;
  recipientsNotTold: number;
  byCountry: Array<{ country: string; told: number; notTold: number }>;
}

export interface ExpectationRow {
  requestType: string;
  direction: 'AWAITED' | 'OWED';
  /** The partner: who owes an awaited answer, or whom this node owes one. */
  country: string;
  requestedAt: Date;
  dueAt: Date;
  answeredAt: Date | null;
  status: string;
}

export interface AnswerTimeIndicator {
  direction: 'AWAITED' | 'OWED';
  requestType: string;
  country: string;
  /** Requests made in the period, but cancelled ones (and ones whose delivery failed: nothing was owed). */
  requests: number;
  answered: number;
  /** Hours from request to answer, over the answered requests; null when none was answered. */
  medianHours: number | null;
  p90Hours: number | null;
  /** The median deadline granted, in hours (the request type's default, or a return step's date). */
  deadlineHours: number;
  /** Answered after the deadline, or not answered and past it. */
  overdue: number;
  shareOverdue: number;
}

export interface EscalationRow {
  action: 'EXPECTATION_OVERDUE' | 'EXPECTATION_ESCALATED' | 'EXPECTATION_ESCALATION_EXHAUSTED';
  country: string;
  count: number;
}

export interface EscalationIndicator {
  country: string;
  overdue: number;
  escalated: number;
  exhausted: number;
}

const HOUR_MS = 3_600_000;

/** Nearest rank: a value that was observed, never an interpolation. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const hours = (ms: number): number => Math.round((ms / HOUR_MS) * 100) / 100;

export function withdrawalIndicator(rows: readonly WithdrawalRow[]): WithdrawalIndicator {
  const byCountry = new Map<string, { told: number; notTold: number }>();
  const tally = (country: string, key: 'told' | 'notTold') => {
    const counts = byCountry.get(country) ?? { told: 0, notTold: 0 };
    counts[key]++;
    byCountry.set(country, counts);
  };
  for (const row of rows) {
    row.notified.forEach((c) => tally(c, 'told'));
    row.notNotified.forEach((c) => tally(c, 'notTold'));
  }
  const countries = [...byCountry.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    withdrawals: rows.length,
    recipientsTold: rows.reduce((sum, r) => sum + r.notified.length, 0),
    recipientsNotTold: rows.reduce((sum, r) => sum + r.notNotified.length, 0),
    byCountry: countries.map(([country, counts]) => ({ country, ...counts })),
  };
}

/** Per direction, request type and partner country, in that order. */
export function answerTimeIndicators(rows: readonly ExpectationRow[], now: Date): AnswerTimeIndicator[] {
  const groups = new Map<string, ExpectationRow[]>();
  for (const row of rows) {
    if (row.status === 'CANCELLED' || row.status === 'FAILED') continue;
    const key = [row.direction, row.requestType, row.country].join('|');
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, group]) => {
      const [direction, requestType, country] = key.split('|');
      const answered = group.filter((r) => r.answeredAt !== null);
      const times = answered.map((r) => r.answeredAt!.getTime() - r.requestedAt.getTime());
      const overdue = group.filter((r) => (r.answeredAt ?? now).getTime() > r.dueAt.getTime()).length;
      const median = percentile(times, 50);
      const p90 = percentile(times, 90);
      return {
        direction: direction as 'AWAITED' | 'OWED',
        requestType,
        country,
        requests: group.length,
        answered: answered.length,
        medianHours: median === null ? null : hours(median),
        p90Hours: p90 === null ? null : hours(p90),
        deadlineHours: hours(
          percentile(
            group.map((r) => r.dueAt.getTime() - r.requestedAt.getTime()),
            50,
          )!,
        ),
        overdue,
        shareOverdue: Math.round((overdue / group.length) * 1000) / 1000,
      };
    });
}

export function escalationIndicators(rows: readonly EscalationRow[]): EscalationIndicator[] {
  const byCountry = new Map<string, EscalationIndicator>();
  for (const row of rows) {
    const counts = byCountry.get(row.country) ?? {
      country: row.country,
      overdue: 0,
      escalated: 0,
      exhausted: 0,
    };
    if (row.action === 'EXPECTATION_OVERDUE') counts.overdue += row.count;
    if (row.action === 'EXPECTATION_ESCALATED') counts.escalated += row.count;
    if (row.action === 'EXPECTATION_ESCALATION_EXHAUSTED') counts.exhausted += row.count;
    byCountry.set(row.country, counts);
  }
  return [...byCountry.values()].sort((a, b) => a.country.localeCompare(b.country));
}

/** A change of a case's identification status, from its CASE_IDENTIFICATION_STATUS_SET entry. */
export interface IdentificationChange {
  seq: number;
  /** `OWN_VIEW`: this node's own view of another country's case; otherwise the owner's status. */
  target: 'OWNER_STATUS' | 'OWN_VIEW';
  from: string | null;
  to: string | null;
}

export interface ReturnPlanRow {
  caseRef: string;
  /** The entry that records it leaving or being applied (MESSAGE_QUEUED, MESSAGE_RECEIVED). */
  seq: number;
  country: string;
}

export interface CaseIdentification {
  identificationStatus: string | null;
  ownIdentificationStatus: string | null;
  changes: IdentificationChange[];
}

/**
 * The status the gates went by just before entry `seq`: this node's own view when it had one, else the
 * owner's status (gateIdentificationStatus). Each is the last change before `seq`; before the first change
 * it is that change's `from`; with no change at all, it is today's.
 */
export function gateStatusAt(c: CaseIdentification, seq: number): string | null {
  const at = (target: IdentificationChange['target'], current: string | null): string | null => {
    const changes = c.changes.filter((ch) => ch.target === target).sort((a, b) => a.seq - b.seq);
    const before = changes.filter((ch) => ch.seq < seq);
    if (before.length > 0) return before[before.length - 1].to;
    return changes.length > 0 ? changes[0].from : current;
  };
  return at('OWN_VIEW', c.ownIdentificationStatus) ?? at('OWNER_STATUS', c.identificationStatus);
}

/** Return plans sent or applied while the person's identification was pending: must be none. */
export function returnsDuringIdentification(
  plans: readonly ReturnPlanRow[],
  cases: ReadonlyMap<string, CaseIdentification>,
): { returnPlans: number; duringIdentification: number; cases: string[] } {
  const offending = plans.filter((plan) => {
    const c = cases.get(plan.caseRef);
    return c !== undefined && identificationPending(gateStatusAt(c, plan.seq));
  });
  return {
    returnPlans: plans.length,
    duringIdentification: offending.length,
    cases: [...new Set(offending.map((p) => p.caseRef))].sort(),
  };
}

/** An EVIDENCE_REQUEST this node queued to the country that is the case's origin. */
export interface EvidenceContactRow {
  legalBasis: string | null;
  /** The consent the gate relied on (MESSAGE_QUEUED `details.consentId`). */
  consentId: string | null;
}

/**
 * Evidence contact with the origin's authorities needs her consent to that contact (the consent policy's
 * CONTACT_ORIGIN_AUTHORITIES), or a vital-interest basis, which is reviewed: without either it must be 0.
 */
export function evidenceContactIndicator(rows: readonly EvidenceContactRow[]): {
  contactsWithOrigin: number;
  underConsent: number;
  vitalInterest: number;
  withoutConsentOrVitalInterest: number;
} {
  const underConsent = rows.filter((r) => r.consentId !== null).length;
  const vitalInterest = rows.filter((r) => r.consentId === null && r.legalBasis === 'VITAL_INTEREST').length;
  return {
    contactsWithOrigin: rows.length,
    underConsent,
    vitalInterest,
    withoutConsentOrVitalInterest: rows.length - underConsent - vitalInterest,
  };
}

/**
 * What held when a FAMILY_TRACING_REQUEST was sent or applied here, as the node recorded it at that moment
 * (a FAMILY_TRACING_CONDITIONS entry, src/indicators/indicator-facts.ts); null for a request sent or applied
 * before the node recorded them.
 */
export interface FamilyTracingRow {
  conditions: {
    wishToReturnToFamily: boolean;
    asylumClaimPendingOnCase: boolean;
    asylumClaimPendingInRequest: boolean;
  } | null;
}

/** Family tracing only on her wish, never while an asylum claim is pending: each of the last two must be 0. */
export function familyTracingIndicator(rows: readonly FamilyTracingRow[]): {
  requests: number;
  withAsylumClaimPending: number;
  withoutWish: number;
  unrecorded: number;
} {
  const recorded = rows.flatMap((r) => (r.conditions ? [r.conditions] : []));
  return {
    requests: rows.length,
    withAsylumClaimPending: recorded.filter(
      (c) => c.asylumClaimPendingOnCase || c.asylumClaimPendingInRequest,
    ).length,
    withoutWish: recorded.filter((c) => !c.wishToReturnToFamily).length,
    unrecorded: rows.length - recorded.length,
  };
}

/** The parts of the return handshake a checklist can lack (domain.md, "The four notifications"). */
export const CHECKLIST_ITEMS = [
  'REQUEST_FOR_ASSISTANCE',
  'REQUEST_CONFIRMATION',
  'ELIGIBILITY',
  'REINTEGRATION_REQUEST',
  'REINTEGRATION_CONFIRMATION',
] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];

/** What a return checklist still lacks: none when it is complete. */
export function checklistGaps(checklist: ReturnChecklist): ChecklistItem[] {
  if (checklist.complete) return [];
  const gaps: ChecklistItem[] = [];
  if (!checklist.requestForAssistance) gaps.push('REQUEST_FOR_ASSISTANCE');
  if (!checklist.requestConfirmation) gaps.push('REQUEST_CONFIRMATION');
  else if (checklist.eligible !== true) gaps.push('ELIGIBILITY');
  if (!checklist.reintegrationRequest) gaps.push('REINTEGRATION_REQUEST');
  // Present but not accepted counts as lacking: complete needs an accepted confirmation.
  if (!checklist.reintegrationConfirmation || gaps.length === 0) gaps.push('REINTEGRATION_CONFIRMATION');
  return gaps;
}

/**
 * The departure the checklist is judged at: the plan's estimated departure, unless the arrival was exchanged
 * before it (the person left earlier than planned, or the plan had no date).
 */
export function departureMoment(estimatedDeparture: string | null, arrivalExchangedAt: Date): Date {
  const planned = estimatedDeparture === null ? NaN : Date.parse(estimatedDeparture);
  return Number.isNaN(planned) || planned > arrivalExchangedAt.getTime()
    ? arrivalExchangedAt
    : new Date(planned);
}

/** The return checklist as it stood at departure, from an arrival's RETURN_CHECKLIST_AT_DEPARTURE entry. */
export interface ReturnChecklistRow {
  /** null: an arrival sent or applied before the node recorded the checklist. */
  atDeparture: { complete: boolean; missing: string[] } | null;
}

export function returnChecklistIndicator(rows: readonly ReturnChecklistRow[]): {
  returns: number;
  completeBeforeDeparture: number;
  incompleteBeforeDeparture: number;
  missing: Array<{ item: string; count: number }>;
  unrecorded: number;
} {
  const recorded = rows.flatMap((r) => (r.atDeparture ? [r.atDeparture] : []));
  const missing = new Map<string, number>();
  for (const r of recorded) r.missing.forEach((item) => missing.set(item, (missing.get(item) ?? 0) + 1));
  const order = (item: string) => {
    const i = (CHECKLIST_ITEMS as readonly string[]).indexOf(item);
    return i === -1 ? CHECKLIST_ITEMS.length : i;
  };
  return {
    returns: rows.length,
    completeBeforeDeparture: recorded.filter((r) => r.complete).length,
    incompleteBeforeDeparture: recorded.filter((r) => !r.complete).length,
    missing: [...missing.entries()]
      .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
      .map(([item, count]) => ({ item, count })),
    unrecorded: rows.length - recorded.length,
  };
}

/** A follow-up report owed after a returned child's arrival (an expectation opened by ARRIVAL_CONFIRMATION). */
export interface FollowUpRow {
  dueAt: Date;
  answeredAt: Date | null;
  status: string;
}

/** Follow-ups of returned children: scheduled = reported + overdue + pending + cancelled. */
export function followUpIndicator(
  childArrivals: number,
  rows: readonly FollowUpRow[],
  now: Date,
): {
  returnedChildren: number;
  followUpsScheduled: number;
  reported: number;
  reportedLate: number;
  overdue: number;
  pending: number;
  cancelled: number;
} {
  const live = rows.filter((r) => r.status !== 'FAILED');
  const open = live.filter((r) => r.answeredAt === null && r.status !== 'CANCELLED');
  const reported = live.filter((r) => r.answeredAt !== null);
  return {
    returnedChildren: childArrivals,
    followUpsScheduled: live.length,
    reported: reported.length,
    reportedLate: reported.filter((r) => r.answeredAt!.getTime() > r.dueAt.getTime()).length,
    overdue: open.filter((r) => now.getTime() > r.dueAt.getTime()).length,
    pending: open.filter((r) => now.getTime() <= r.dueAt.getTime()).length,
    cancelled: live.filter((r) => r.answeredAt === null && r.status === 'CANCELLED').length,
  };
}
