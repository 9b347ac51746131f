import type { ConsentGiver } from '../messages/envelope.dto';
import type { MessageType } from '../messages/message-types';
import type { BestInterestsOutcome } from '../messages/payloads/return.dto';
import { RejectionCode } from '../messages/rejection-codes';

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
}

export interface OverrideFacts {
  assessmentId: string;
  messageType: string;
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
  now: Date;
}

export interface RiskReason {
  code: RejectionCode;
  message: string;
  /** A coordinator may override this one with a written reason. */
  overridable?: boolean;
}

export type RiskDecision =
  { allow: true; assessmentId: string | null; overridden: boolean } | { allow: false; reasons: RiskReason[] };

/** Whether the message needs a current assessment at all. */
export function needsRiskAssessment(type: MessageType, payload: Record<string, unknown>): boolean {
  switch (type) {
    case 'RETURN_PLAN':
    case 'FAMILY_TRACING_REQUEST':
    case 'IDENTITY_VERIFICATION_REQUEST':
      return true;
    case 'EVIDENCE_REQUEST':
      return payload.targetsOriginAuthorities === true;
    default:
      return false;
  }
}

/** The newest assessment still valid and not awaiting review; assessments from either country count. */
export function currentAssessment(
  assessments: readonly AssessmentFacts[],
  now: Date,
): AssessmentFacts | null {
  const current = assessments
    .filter((a) => a.validUntil > now && a.reviewRequiredAt === null)
    .sort((a, b) => b.assessedAt.getTime() - a.assessedAt.getTime());
  return current[0] ?? null;
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

/** Never family tracing while an asylum claim is pending; the case lifecycle applies it on receipt too. */
export function familyTracingAsylumReasons(familyTracing: Record<string, unknown>): RiskReason[] {
  return familyTracing.asylumClaimPending === true
    ? [denied('no family tracing while an asylum claim is pending')]
    : [];
}

export function decideRisk(facts: RiskFacts): RiskDecision {
  if (!needsRiskAssessment(facts.type, facts.payload))
    return { allow: true, assessmentId: null, overridden: false };
  const reasons: RiskReason[] = [];

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
  if (facts.type === 'FAMILY_TRACING_REQUEST') reasons.push(...familyTracingAsylumReasons(facts.payload));

  const assessment = currentAssessment(facts.assessments, facts.now);
  if (!assessment) {
    reasons.push(denied(`${facts.type} needs a current risk and security assessment`));
    return { allow: false, reasons };
  }
  // The contribution still missing is often the family tracing itself: it may go ahead, nothing else.
  if (!assessment.complete && facts.type !== 'FAMILY_TRACING_REQUEST') {
    reasons.push(denied('the current risk assessment is incomplete (a contribution is still missing)'));
  }
  // A coordinator's override, with a written reason, for this assessment and this message type.
  const override = facts.overrides.some(
    (o) => o.assessmentId === assessment.id && o.messageType === facts.type,
  );
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
            `the risk is HIGH: ${facts.type} needs a coordinator's override with a written reason`,
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
            "the family is assessed as a source of harm (RF-04 present): family tracing for a child needs a coordinator's override with a written reason",
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
