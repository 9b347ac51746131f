import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { CaseEntity, isChild } from '../../cases/case.entity';
import { LifecycleDecision, LifecycleEvent } from '../../cases/case-lifecycle.policy';
import { CasesRepository } from '../../cases/cases.repository';
import { NODE_CONFIG, NodeConfig } from '../../config/config';
import {
  checkDeclaredConsent,
  misplacedResidenceReasons,
  vitalInterestReasons,
} from '../../consent/consent.policy';
import { ConsentRepository } from '../../consent/consent.repository';
import { CaseErasedError } from '../../crypto/case-keys';
import { DirectoryService } from '../../directory/directory.service';
import type { Envelope } from '../../messages/catalogue';
import { isDeliveryAnswer, isTechnicalType } from '../../messages/message-types';
import { RejectionCode } from '../../messages/rejection-codes';
import { CaseLifecycle } from '../case-lifecycle';
import { MessageRecordsRepository } from '../message-records.repository';
import { decideInbound } from '../transfer.policy';
import { Check, passed, rejected, rejectedFor } from './check';

/** What check 13a learned: the received event and the case's next lifecycle state. */
export interface ReceivedChange {
  event: LifecycleEvent;
  decision: Extract<LifecycleDecision, { allow: true }>;
}

/**
 * The receiver's checks 12, 13 and 13a of docs/protocol.md, inside the inbound transaction (the case row is
 * locked). Each returns what it learned or a rejection; InboundService.accept calls them in order.
 */
@Injectable()
export class ReceiverCaseChecks {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly directory: DirectoryService,
    private readonly cases: CasesRepository,
    private readonly lifecycle: CaseLifecycle,
    private readonly records: MessageRecordsRepository,
    private readonly consents: ConsentRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * Check 12, the case: locked (by lockCases, with the batch's others), or opened here on first contact.
   * Learns the case row (null for a message without a case, and for a receipt or rejection, which never
   * opens a case nor depends on one).
   *
   * The first message of another country's case opens it here, with the country named in the reference as
   * its owner. Never under this node's own prefix: only its counter hands those out, and a peer taking one
   * first would have this node's next case filed into another person's. Any participant may bring a case
   * to a country (a country of origin's prosecutors contacting a transit country on the destination's case,
   * SOP 5), but a referral only comes from the country that made the reference (PROTOCOL.md: the referring
   * NCP creates the caseRef).
   */
  async lockCase(
    manager: EntityManager,
    envelope: Envelope,
    locked: LockedCases,
  ): Promise<Check<CaseEntity | null>> {
    if (!hasCase(envelope)) return passed(null);
    const found = lockedRow(locked, envelope.caseRef);
    if (found) return passed(found);
    const caseRef = envelope.caseRef;
    const owner = caseRef.slice(4, 6);
    if (owner === this.config.country)
      return rejected(
        RejectionCode.CASE_STATE_CONFLICT,
        `the case is unknown to ${this.config.country}, and only ${this.config.country} creates references under its prefix`,
      );
    if (envelope.type === 'REFERRAL_REQUEST' && owner !== envelope.from)
      return rejected(
        RejectionCode.CASE_STATE_CONFLICT,
        `the case is unknown to ${this.config.country}, and a referral comes from the country that created its reference`,
      );
    const created = await this.cases.create(manager, caseRef, owner);
    // A concurrent first message of the same case inserted it (with the same owner: the reference's country).
    if (!created) return passed((await this.cases.findForUpdate(manager, caseRef))!);
    await this.audit.record(manager, {
      action: 'CASE_OPENED',
      actor: envelope.from,
      caseRef,
      messageId: envelope.id,
      messageType: envelope.type,
      counterpart: envelope.from,
    });
    return passed(created);
  }

  /**
   * Check 12's case rows for a batch of messages of different cases: those that exist, locked in one
   * statement (lockCase then takes each from here, and opens the missing ones).
   */
  lockCases(manager: EntityManager, envelopes: Envelope[]): Promise<LockedCases> {
    return this.cases.findManyForUpdate(
      manager,
      envelopes.filter(hasCase).map((envelope) => envelope.caseRef),
    );
  }

  /** Check 12, the declared consent (and the legal basis VITAL_INTEREST, and residence in origin). */
  async checkConsent(
    manager: EntityManager,
    envelope: Envelope,
    payload: object,
    caseRow: CaseEntity | null,
  ): Promise<Check<void>> {
    const fields = payload as Record<string, unknown>;
    const reasons = checkDeclaredConsent({
      type: envelope.type,
      legalBasis: envelope.legalBasis,
      consent: envelope.consent,
      payload: fields,
      self: this.config.country,
      now: new Date(),
      child: caseRow ? isChild(caseRow, envelope.type, payload) : false,
      selfIsOrigin: caseRow?.countryRoles[this.config.country] === 'ORIGIN',
      withdrawn: envelope.consent
        ? await this.consents.isWithdrawnByPeer(manager, envelope.consent.consentId, envelope.from)
        : false,
    });
    reasons.push(
      ...vitalInterestReasons({
        type: envelope.type,
        legalBasis: envelope.legalBasis,
        answersVitalInterestAlert:
          envelope.legalBasis === 'VITAL_INTEREST' &&
          envelope.type !== 'EMERGENCY_ALERT' &&
          caseRow !== null &&
          (await this.records.isVitalInterestAlert(
            manager,
            caseRow.caseRef,
            envelope.inReplyTo,
            envelope.from,
            'SENT',
          )),
      }),
      ...misplacedResidenceReasons(this.config.country, fields),
    );
    return reasons.length > 0 ? rejectedFor(reasons) : passed(undefined);
  }

  /** Check 13: the node's policy (accepted type, message age and skew, a caseRef where one is needed). */
  checkPolicy(envelope: Envelope, payload: object): Check<void> {
    const decision = decideInbound({
      type: envelope.type,
      caseRef: envelope.caseRef,
      selfAccepts: this.directory.accepts(this.config.country, envelope.type),
      sentAt: new Date(envelope.sentAt),
      now: new Date(),
      maxAgeMs: this.config.maxMessageAgeMs,
      maxSkewMs: this.config.maxClockSkewMs,
      ...(envelope.type === 'RISK_ASSESSMENT_RESULT'
        ? { assessedAt: new Date((payload as { assessedAt: string }).assessedAt) }
        : {}),
    });
    return decision.allow ? passed(undefined) : rejectedFor(decision.reasons);
  }

  /**
   * Check 13a: the case lifecycle, the same rules that decide what this node sends. Learns the event and the
   * case's next state (null for a technical type or a message without a case, which skip it).
   */
  async checkLifecycle(
    manager: EntityManager,
    envelope: Envelope,
    payload: object,
    caseRow: CaseEntity | null,
  ): Promise<Check<ReceivedChange | null>> {
    if (!caseRow || isTechnicalType(envelope.type)) return passed(null);
    const event: LifecycleEvent = {
      type: envelope.type,
      direction: 'RECEIVED',
      counterpart: envelope.from,
      payload: payload as Record<string, unknown>,
      inReplyTo: envelope.inReplyTo,
    };
    const decision = await this.lifecycle.decide(manager, caseRow, event);
    return decision.allow ? passed({ event, decision }) : rejectedFor(decision.reasons);
  }
}

/** The case rows of a batch that existed when it locked them, by case reference. */
export type LockedCases = Map<string, CaseEntity>;

/** A message that concerns a case row: a receipt or a rejection never opens a case nor depends on one. */
function hasCase(envelope: Envelope): envelope is Envelope & { caseRef: string } {
  return Boolean(envelope.caseRef) && !isDeliveryAnswer(envelope.type);
}

/** As CasesRepository.findForUpdate: an erased case is refused. */
function lockedRow(locked: LockedCases, caseRef: string): CaseEntity | null {
  const found = locked.get(caseRef) ?? null;
  if (found?.erasedAt) throw new CaseErasedError(caseRef);
  return found;
}
