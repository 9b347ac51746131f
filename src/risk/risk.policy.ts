import type { ConsentGiver } from '../messages/envelope.dto';
import type { MessageType } from '../messages/message-types';
import type { BestInterestsOutcome } from '../messages/payloads/return.dto';
import { RejectionCode } from '../messages/rejection-codes';
import { contactsOriginAuthorities } from '../consent/consent.policy';
import { asylumReasons, CaseFactRule } from '../cases/case-facts.policy';

/**
 * The risk and security gate (domain.md, "Risk and security assessment"). Pure: a return, a family tracing
 * or a contact with the country of origin's authorities waits for a current assessment that permits it.
 */

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface AssessmentFacts {
  id: string;
  country: string;
  level: RiskLevel;
  factors: ReadonlyArray<{ code: string; status: 'PRESENT' | 'ABSENT' | 'UNKNOWN' }>;
  protectionPlan: string | null;
  complete: boolean;
  assessedAt: Date;
  validUntil: Date;
  /** Set when something happened since (e.g. consent withdrawn under pressure): a new assessment is due. */
  reviewRequiredAt: Date | null;
  /** When this node recorded it (assessedAt when unknown): a return waits for one recorded after a threat. */
  recordedAt?: Date;
}

export interface OverrideFacts {
  assessmentId: string;
  messageType: string;
  /** Four eyes: a second coordinator confirmed it. Until then the gate does not count it. */
  confirmed: boolean;
}

export interface RiskFacts {
  type: MessageType;
  payload: Record<string, unknown>;
  child: boolean;
  identificationStatus: string | null;
  assessments: readonly AssessmentFacts[];
  overrides: readonly OverrideFacts[];
  /** Who gave the consent the message relies on (null on vital interest). */
  consentGivenBy: ConsentGiver | null;
  /** This node's country: its own assessment governs, a peer's can only make the decision stricter. */
  self: string;
  /** The case records the recipient as the country of origin (`countryRoles`). */
  recipientIsOrigin: boolean;
  now: Date;
  /** An assessedAt later than now by more than this is not believed (config maxClockSkewMs). */
  maxClockSkewMs: number;
  /** The case's facts: an asylum claim pending (src/cases/case-facts.policy.ts). */
  asylumClaimPending?: boolean;
  /** The case's facts: when each threat reported on the case was recorded on this node. */
  threats?: readonly Date[];
}

export interface RiskReason {
  code: RejectionCode;
  message: string;
  /** A coordinator may override this one with a written reason. */
  overridable?: boolean;
  /** The rule of the case's facts that refused (ASYLUM_CLAIM_PENDING…), beside the protocol's code. */
  rule?: CaseFactRule;
}

export type RiskDecision =
  { allow: true; assessmentId: string | null; overridden: boolean } | { allow: false; reasons: RiskReason[] };

/** Whether the message needs a current assessment at all. */
export function needsRiskAssessment(
  type: MessageType,
  payload: Record<string, unknown>,
  recipientIsOrigin = false,
): boolean {
  switch (type) {
    case 'RETURN_PLAN':
    case 'FAMILY_TRACING_REQUEST':
    case 'IDENTITY_VERIFICATION_REQUEST':
    case 'TRAVEL_DOCUMENT_REQUEST':
      return true;
    default:
      // Evidence, a witness's testimony or a complaint that involves the country of origin's authorities.
      return contactsOriginAuthorities(type, payload, recipientIsOrigin);
  }
}

const LEVEL_RANK: Readonly<Record<RiskLevel, number>> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };
/** Higher is stricter: the level first, then an incomplete assessment above a complete one. */
const severity = (a: AssessmentFacts): number => LEVEL_RANK[a.level] * 2 + (a.complete ? 0 : 1);

/**
 * The assessment the policies use. Each country's newest assessment that is still valid, not awaiting review
 * and not dated in the future (beyond the clock skew: a future date would hide every later assessment)
 * counts; this node's own is required, and the strictest of them governs, this node's own on a tie. So a
 * peer's assessment, even unasked, can make a decision stricter but never looser: a LOW from a peer after our
 * CRITICAL changes nothing. A peer's later assessment replaces its own earlier one, never ours.
 */
export function currentAssessment(
  assessments: readonly AssessmentFacts[],
  self: string,
  now: Date,
  maxClockSkewMs: number,
): AssessmentFacts | null {
  const newest = new Map<string, AssessmentFacts>();
  for (const a of assessments) {
    if (a.validUntil <= now || a.reviewRequiredAt !== null) continue;
    if (a.assessedAt.getTime() > now.getTime() + maxClockSkewMs) continue;
    const seen = newest.get(a.country);
    if (!seen || a.assessedAt > seen.assessedAt) newest.set(a.country, a);
  }
  const own = newest.get(self);
  if (!own) return null;
  let governing = own;
  for (const a of newest.values()) if (severity(a) > severity(governing)) governing = a;
  return governing;
}

const IDENTIFICATION_PENDING = ['PRESUMED_VICTIM', 'IDENTIFICATION_IN_PROGRESS'];

/** A presumed victim whose identification is still under way. */
export function identificationPending(identificationStatus: string | null): boolean {
  return identificationStatus !== null && IDENTIFICATION_PENDING.includes(identificationStatus);
}
const IN_BEST_INTERESTS: BestInterestsOutcome = 'RETURN_IN_BEST_INTERESTS';
const denied = (message: string, overridable = false): RiskReason => ({
  code: RejectionCode.POLICY_DENIED,
  message,
  ...(overridable ? { overridable } : {}),
});

/**
 * Art. 16(7): a child's return needs a best-interests determination that found return in the child's best
 * interests, and a named child-protection receiver. The case lifecycle applies the same rule to a return plan
 * it receives, where no risk gate runs.
 */
export function childReturnReasons(returnPlan: Record<string, unknown>): RiskReason[] {
  const reasons: RiskReason[] = [];
  const determination = returnPlan.bestInterestsDetermination as { outcome?: unknown } | null | undefined;
  if (determination === undefined || determination === null) {
    reasons.push(denied('the return of a child needs a recorded best-interests determination'));
  } else if (determination.outcome !== IN_BEST_INTERESTS) {
    reasons.push(denied("the best-interests determination found return not in the child's best interests"));
  }
  if (returnPlan.childProtectionReceiver === undefined) {
    reasons.push(denied('the return of a child needs a named child-protection receiver on arrival'));
  }
  return reasons;
}

/**
 * No return or removal while identification is in progress (domain.md). The case lifecycle applies it to a
 * return plan a node receives, where no risk gate runs.
 */
export function removalDuringIdentificationReasons(identificationStatus: string | null): RiskReason[] {
  return identificationPending(identificationStatus)
    ? [denied('no return or removal while identification is in progress')]
    : [];
}

/**
 * Family tracing only when the person has said she wishes to return to her family (domain.md): the schema's
 * `equals(true)` says so for the wire, and this rule says it for the node itself, whatever validated the
 * payload before. The case lifecycle applies it on receipt too.
 */
export function familyTracingWishReasons(familyTracing: Record<string, unknown>): RiskReason[] {
  return familyTracing.wishToReturnToFamily === true
    ? []
    : [denied('family tracing only when the person has said she wishes to return to her family')];
}

/**
 * Never family tracing while an asylum claim is pending. The case's asylum fact is the source of truth
 * (`asylumReasons`); the request's own `asylumClaimPending` flag is still heeded when it says true (the
 * sender's word about its case), so the stricter of the two decides. The case lifecycle applies it on receipt.
 */
export function familyTracingAsylumReasons(familyTracing: Record<string, unknown>): RiskReason[] {
  return familyTracing.asylumClaimPending === true
    ? [
        {
          ...denied('no family tracing while an asylum claim is pending'),
          rule: CaseFactRule.ASYLUM_CLAIM_PENDING,
        },
      ]
    : [];
}

/** The sends of a return: held while a reported threat awaits a new assessment. */
export const RETURN_SENDS: readonly MessageType[] = [
  'RETURN_PLAN',
  'RETURN_PLAN_CONFIRMATION',
  'REINTEGRATION_REQUEST',
];

/**
 * A threat reported makes the assessments of the case due for review (the facts service flags them) and
 * holds a return until this node records a new assessment after the latest threat: not one of a peer's,
 * which cannot know of it, nor an expired one.
 */
export function threatReviewReasons(
  facts: Pick<RiskFacts, 'type' | 'threats' | 'assessments' | 'self' | 'now'>,
): RiskReason[] {
  const threats = facts.threats ?? [];
  if (!RETURN_SENDS.includes(facts.type) || threats.length === 0) return [];
  const latest = Math.max(...threats.map((t) => t.getTime()));
  const reassessed = facts.assessments.some(
    (a) =>
      a.country === facts.self &&
      a.reviewRequiredAt === null &&
      a.validUntil > facts.now &&
      (a.recordedAt ?? a.assessedAt).getTime() > latest,
  );
  if (reassessed) return [];
  return [
    {
      ...denied(
        `a threat was reported on the case: no ${facts.type} until a new risk assessment is recorded after it`,
      ),
      rule: CaseFactRule.THREAT_REVIEW_PENDING,
    },
  ];
}

const present = (a: AssessmentFacts, code: string): boolean =>
  a.factors.some((f) => f.code === code && f.status === 'PRESENT');

export function decideRisk(facts: RiskFacts): RiskDecision {
  const threatened = threatReviewReasons(facts);
  if (!needsRiskAssessment(facts.type, facts.payload, facts.recipientIsOrigin)) {
    return threatened.length > 0
      ? { allow: false, reasons: threatened }
      : { allow: true, assessmentId: null, overridden: false };
  }
  const reasons: RiskReason[] = [...asylumReasons(facts.type, facts.asylumClaimPending ?? false)];

  if (facts.type === 'RETURN_PLAN') {
    if (facts.identificationStatus === null) {
      reasons.push(denied("no return before the person's identification status is recorded"));
    }
    reasons.push(...removalDuringIdentificationReasons(facts.identificationStatus));
    if (facts.child) {
      if (facts.consentGivenBy !== 'GUARDIAN' && facts.consentGivenBy !== 'LEGAL_REPRESENTATIVE') {
        reasons.push(denied('the return of a child needs the consent of a guardian or legal representative'));
      }
      reasons.push(...childReturnReasons(facts.payload));
    }
  }
  if (facts.type === 'FAMILY_TRACING_REQUEST') {
    reasons.push(...familyTracingWishReasons(facts.payload));
    // The case's fact already said it: one reason is enough.
    if (!facts.asylumClaimPending) reasons.push(...familyTracingAsylumReasons(facts.payload));
  }
  reasons.push(...threatened);

  const assessment = currentAssessment(facts.assessments, facts.self, facts.now, facts.maxClockSkewMs);
  if (!assessment) {
    reasons.push(
      denied(`${facts.type} needs a current risk and security assessment recorded by ${facts.self}`),
    );
    return { allow: false, reasons };
  }
  // The contribution still missing is often the family tracing itself: it may go ahead, nothing else.
  if (!assessment.complete && facts.type !== 'FAMILY_TRACING_REQUEST') {
    reasons.push(denied('the current risk assessment is incomplete (a contribution is still missing)'));
  }
  // A coordinator's override, with a written reason, for this assessment and this message type, confirmed
  // by a second coordinator (four eyes); one still awaiting confirmation lifts nothing.
  const forThis = facts.overrides.filter(
    (o) => o.assessmentId === assessment.id && o.messageType === facts.type,
  );
  const override = forThis.some((o) => o.confirmed);
  const pending = !override && forThis.length > 0;
  let overridden = false;
  switch (assessment.level) {
    case 'CRITICAL':
      reasons.push(
        denied('the person is in immediate danger (CRITICAL): use the emergency path; no override'),
      );
      break;
    case 'HIGH':
      if (override) {
        overridden = true;
      } else {
        reasons.push(
          denied(
            pending
              ? `the risk is HIGH: the override for ${facts.type} awaits a second coordinator's confirmation`
              : `the risk is HIGH: ${facts.type} needs a coordinator's override with a written reason, confirmed by a second coordinator`,
            true,
          ),
        );
      }
      if (facts.type === 'RETURN_PLAN' && !assessment.protectionPlan) {
        reasons.push(
          denied(
            'the risk is HIGH: a protection plan must be recorded before a return plan, override or not',
          ),
        );
      }
      break;
    case 'MEDIUM':
      if (facts.type === 'RETURN_PLAN' && !assessment.protectionPlan) {
        reasons.push(denied('the risk is MEDIUM: a protection plan must be recorded before a return plan'));
      }
      break;
    case 'LOW':
      break;
  }
  // RF-05: the family is tied to the trafficker. Tracing it is never done; a return is presumed to go to the
  // family unless a coordinator states otherwise with a written reason, confirmed by a second one.
  if (present(assessment, 'RF-05')) {
    if (facts.type === 'FAMILY_TRACING_REQUEST') {
      reasons.push({
        ...denied('the family is involved in the trafficking (RF-05 present): no family tracing'),
        rule: CaseFactRule.FAMILY_INVOLVED,
      });
    } else if (facts.type === 'RETURN_PLAN') {
      if (override) overridden = true;
      else
        reasons.push({
          ...denied(
            pending
              ? "the family is involved in the trafficking (RF-05 present): the override stating the return does not go to the family awaits a second coordinator's confirmation"
              : "the family is involved in the trafficking (RF-05 present): no return to the family; a return elsewhere needs a coordinator's override with a written reason, confirmed by a second coordinator",
            true,
          ),
          rule: CaseFactRule.FAMILY_INVOLVED,
        });
    }
  }
  // RF-02: threats against the family in the origin. Contacting the origin's authorities for evidence is
  // gated as at HIGH, whatever the level: the same override path.
  if (facts.type === 'EVIDENCE_REQUEST' && assessment.level !== 'HIGH' && present(assessment, 'RF-02')) {
    if (override) overridden = true;
    else if (assessment.level !== 'CRITICAL')
      reasons.push({
        ...denied(
          pending
            ? "the family in the country of origin is threatened (RF-02 present): the override for EVIDENCE_REQUEST awaits a second coordinator's confirmation"
            : "the family in the country of origin is threatened (RF-02 present): EVIDENCE_REQUEST needs a coordinator's override with a written reason, confirmed by a second coordinator, as at HIGH",
          true,
        ),
        rule: CaseFactRule.FAMILY_THREATENED,
      });
  }
  if (facts.type === 'FAMILY_TRACING_REQUEST' && facts.child) {
    const family = assessment.factors.find((f) => f.code === 'RF-04');
    if (!family || family.status === 'UNKNOWN') {
      reasons.push(
        denied('family tracing for a child needs a family risk assessment first (RF-04 assessed)'),
      );
    } else if (family.status === 'PRESENT') {
      // Families are sometimes the traffickers: tracing them for a child is a coordinator's decision.
      if (override) {
        overridden = true;
      } else {
        reasons.push(
          denied(
            pending
              ? "the family is assessed as a source of harm (RF-04 present): the override for family tracing awaits a second coordinator's confirmation"
              : "the family is assessed as a source of harm (RF-04 present): family tracing for a child needs a coordinator's override with a written reason, confirmed by a second coordinator",
            true,
          ),
        );
      }
    }
  }
  return reasons.length > 0
    ? { allow: false, reasons }
    : { allow: true, assessmentId: assessment.id, overridden };
}

/**
 * What a coordinator may override: HIGH (never CRITICAL), or at any level below CRITICAL: tracing a child's
 * family assessed as a source of harm (RF-04), a return that does not go to a family tied to the trafficker
 * (RF-05), evidence contact with an origin where the family is threatened (RF-02).
 */
export function isOverridable(current: AssessmentFacts, messageType: string): boolean {
  if (current.level === 'CRITICAL') return false;
  if (current.level === 'HIGH') return true;
  return (
    (messageType === 'FAMILY_TRACING_REQUEST' && present(current, 'RF-04')) ||
    (messageType === 'RETURN_PLAN' && present(current, 'RF-05')) ||
    (messageType === 'EVIDENCE_REQUEST' && present(current, 'RF-02'))
  );
}

export type OverrideStatus = 'PENDING_CONFIRMATION' | 'CONFIRMED';

export interface OverrideConfirmationFacts {
  override: { assessmentId: string; messageType: string; requestedBy: string; confirmedBy: string | null };
  /** Who confirms (`api:<name>`). */
  confirmer: string;
  /** The assessment the risk gate uses now. */
  current: AssessmentFacts | null;
}

export type OverrideConfirmationRefusal =
  'OVERRIDE_ALREADY_CONFIRMED' | 'OVERRIDE_SELF_CONFIRMATION' | 'OVERRIDE_STALE' | 'NOT_OVERRIDABLE';

export type OverrideConfirmationDecision =
  { allow: true } | { allow: false; code: OverrideConfirmationRefusal; message: string };

/**
 * Four eyes on an override: a second coordinator confirms it, never the one who requested it, and only while
 * the assessment it overrides is still the current one and still overridable (a later CRITICAL or a new
 * assessment leaves nothing to confirm: the request is made again on the new one).
 */
export function decideOverrideConfirmation(facts: OverrideConfirmationFacts): OverrideConfirmationDecision {
  const { override, confirmer, current } = facts;
  if (override.confirmedBy !== null)
    return { allow: false, code: 'OVERRIDE_ALREADY_CONFIRMED', message: 'the override is already confirmed' };
  if (override.requestedBy === confirmer) {
    return {
      allow: false,
      code: 'OVERRIDE_SELF_CONFIRMATION',
      message: 'an override needs a second coordinator: the one who requested it cannot confirm it',
    };
  }
  if (!current || current.id !== override.assessmentId) {
    return {
      allow: false,
      code: 'OVERRIDE_STALE',
      message: 'the assessment the override names is no longer the current one: request a new override',
    };
  }
  if (!isOverridable(current, override.messageType)) {
    return {
      allow: false,
      code: 'NOT_OVERRIDABLE',
      message: `the current assessment (${current.level}) cannot be overridden for ${override.messageType}`,
    };
  }
  return { allow: true };
}
