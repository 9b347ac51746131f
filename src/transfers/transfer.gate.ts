import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  ASYLUM_BLOCKED_TYPES,
  asylumClaimPending,
  CaseFactsState,
  threatTimes,
} from '../cases/case-facts.policy';
import { CaseFactsService } from '../cases/case-facts.service';
import { gateIdentificationStatus } from '../cases/case-lifecycle.policy';
import { CaseEntity, isChild } from '../cases/case.entity';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import {
  decideOutboundConsent,
  ConsentFacts,
  misplacedResidenceReasons,
  withoutFields,
} from '../consent/consent.policy';
import { ConsentRepository, toConsentFacts } from '../consent/consent.repository';
import type { MessageType } from '../messages/message-types';
import { decideRisk, needsRiskAssessment, RETURN_SENDS } from '../risk/risk.policy';
import { RiskRepository, toAssessmentFacts, toOverrideFacts } from '../risk/risk.repository';
import type { PolicyReason } from './transfer.policy';

export interface GateRequest {
  case: CaseEntity;
  type: MessageType;
  to: string;
  legalBasis: 'CONSENT' | 'VITAL_INTEREST';
  payload: Record<string, unknown>;
  redact: boolean;
  now: Date;
  /** The message answers an alert `to` sent this node on VITAL_INTEREST (the consent policy's `vitalInterestReasons`). */
  answersVitalInterestAlert?: boolean;
}

export type GateDecision =
  | {
      allow: true;
      consent: ConsentFacts | null;
      payload: Record<string, unknown>;
      redacted: string[];
      vitalInterest: boolean;
      riskAssessmentId: string | null;
      overridden: boolean;
    }
  | { allow: false; reasons: PolicyReason[] };

/**
 * Loads what the consent and risk policies need, inside the caller's transaction, and asks both. Every
 * reason from both comes back at once, so a coordinator sees everything that stands in the way.
 */
@Injectable()
export class TransferGate {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly consents: ConsentRepository,
    private readonly risk: RiskRepository,
    private readonly facts: CaseFactsService,
  ) {}

  async decide(manager: EntityManager, request: GateRequest): Promise<GateDecision> {
    // The same age presumption as the receiver's check: a referral saying the person is a child counts.
    const child = isChild(request.case, request.type, request.payload);
    const recipientIsOrigin = request.case.countryRoles[request.to] === 'ORIGIN';
    // Residence in the origin only goes to that country: redacted like an uncovered field group on request,
    // refused otherwise, so a coordinator is never surprised by what left.
    const misplaced = misplacedResidenceReasons(request.to, request.payload);
    const dropped = misplaced.length > 0 && request.redact ? ['residenceInOrigin'] : [];
    const requested = withoutFields(request.payload, dropped);
    const consent = decideOutboundConsent({
      type: request.type,
      to: request.to,
      legalBasis: request.legalBasis,
      payload: requested,
      recipientIsOrigin,
      consents: (await this.consents.forCase(manager, request.case.caseRef)).map(toConsentFacts),
      child,
      restricted: request.case.restrictedAt !== null,
      now: request.now,
      redact: request.redact,
      answersVitalInterestAlert: request.answersVitalInterestAlert ?? false,
    });
    const payload = consent.allow ? consent.payload : requested;
    // Most messages need no assessment nor the case's facts: spare them the reads on the hot path. A return's
    // sends read the threats, and then the assessments recorded after them.
    const returning = RETURN_SENDS.includes(request.type);
    const assessed = returning || needsRiskAssessment(request.type, payload, recipientIsOrigin);
    const facts: CaseFactsState | null =
      returning || ASYLUM_BLOCKED_TYPES.includes(request.type)
        ? await this.facts.stateWithin(manager, request.case.caseRef, request.now)
        : null;
    const risk = decideRisk({
      type: request.type,
      payload,
      child,
      identificationStatus: gateIdentificationStatus(request.case),
      assessments: assessed
        ? (await this.risk.forCase(manager, request.case.caseRef)).map(toAssessmentFacts)
        : [],
      overrides: assessed
        ? (await this.risk.overridesForCase(manager, request.case.caseRef)).map(toOverrideFacts)
        : [],
      consentGivenBy: consent.allow ? (consent.consent?.givenBy ?? null) : null,
      self: this.config.country,
      recipientIsOrigin,
      now: request.now,
      maxClockSkewMs: this.config.maxClockSkewMs,
      asylumClaimPending: facts ? asylumClaimPending(facts) : false,
      threats: facts ? threatTimes(facts) : [],
    });
    const refusedResidence = dropped.length > 0 ? [] : misplaced;
    const reasons: PolicyReason[] = [
      ...refusedResidence,
      ...(consent.allow ? [] : consent.reasons),
      ...(risk.allow ? [] : risk.reasons),
    ];
    if (reasons.length > 0 || !consent.allow || !risk.allow) return { allow: false, reasons };
    return {
      allow: true,
      consent: consent.consent,
      payload: consent.payload,
      redacted: [...dropped, ...consent.redacted],
      vitalInterest: consent.vitalInterest,
      riskAssessmentId: risk.assessmentId,
      overridden: risk.overridden,
    };
  }
}
