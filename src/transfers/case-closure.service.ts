import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CaseError, CaseErrorCode } from '../cases/case.errors';
import { CasesRepository } from '../cases/cases.repository';
import { CasesService } from '../cases/cases.service';
import type { CaseClosedPayload } from '../messages/payloads/case.dto';
import { RejectionCode } from '../messages/rejection-codes';
import { OutboxRelay } from '../transport/outbox-relay';
import { OutboundService } from './outbound.service';
import { MessageRecordsRepository } from './message-records.repository';
import { TransferError } from './transfer.errors';
import { Effects } from '../common/effects';

export interface ClosureResult {
  caseRef: string;
  /**
   * The countries told, each with the id of its CASE_CLOSED, and the fields left out (`summary` once no live
   * consent names the country or the case is restricted: the free text may not be shared further).
   */
  notified: Array<{ country: string; messageId: string; redacted?: string[] }>;
  /** The countries no CASE_CLOSED could legally go to (no consent record ever named them), and why. */
  notNotified: Array<{ country: string; reasonCode: string; reason: string }>;
}

/**
 * Closing a case, in one transaction: every country on the case gets a CASE_CLOSED through the outbound
 * pipeline (which closes the case here as it sends the first), or, when the case never left this node, it
 * is closed here alone.
 *
 * A CASE_CLOSED travels on the legal basis CONSENT (PROTOCOL.md allows NONE only for technical types), so it
 * needs a consent record that once named the country. A case may have none for a country: it only sent an
 * emergency alert (VITAL_INTEREST), or this node only received a referral and never recorded consent. Such
 * a country cannot be told, but that must not keep the case open forever: it is closed here all the same,
 * the country is audited (CASE_CLOSURE_NOT_SENT) and listed in the result for the coordinator to tell it
 * by other means, and nothing stays awaited from or owed to it on this node.
 */
@Injectable()
export class CaseClosureService {
  private readonly logger = new Logger(CaseClosureService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly caseService: CasesService,
    private readonly outbound: OutboundService,
    private readonly relay: OutboxRelay,
    private readonly audit: AuditService,
    private readonly effects: Effects,
    private readonly records: MessageRecordsRepository,
  ) {}

  async close(caseRef: string, payload: CaseClosedPayload, actor: string): Promise<ClosureResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      const found = await this.cases.findForUpdate(manager, caseRef);
      if (!found) throw new CaseError(CaseErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      if (found.status === 'CLOSED')
        throw new CaseError(CaseErrorCode.CASE_STATE_CONFLICT, `the case ${caseRef} is already closed`);
      const told: ClosureResult['notified'] = [];
      const notTold: ClosureResult['notNotified'] = [];
      // A country whose part of the case is closed already (a CASE_CLOSED went or came) is not told twice:
      // the lifecycle would refuse the message, and the whole closing with it.
      const closedWith = new Set(await this.records.closedCounterparts(manager, caseRef, found.reopenedAt));
      for (const country of found.countries.filter((c) => !closedWith.has(c))) {
        try {
          const sent = await this.outbound.sendWithin(
            manager,
            { caseRef, type: 'CASE_CLOSED', to: country, legalBasis: 'CONSENT', payload },
            actor,
          );
          told.push({
            country,
            messageId: sent.record.id,
            ...(sent.redacted.length > 0 ? { redacted: sent.redacted } : {}),
          });
        } catch (error) {
          const consent = noConsentFor(error);
          if (!consent) throw error;
          // The refusal wrote nothing: the transaction goes on.
          notTold.push({ country, reasonCode: consent.code, reason: consent.message });
          await this.closedWithoutTelling(manager, caseRef, country, consent, actor);
        }
      }
      const after = (await this.cases.findForUpdate(manager, caseRef))!;
      if (after.status !== 'CLOSED') await this.caseService.closeLocally(manager, after, actor);
      return { notified: told, notNotified: notTold };
    });
    this.relay.kick('routine');
    this.logger.log(
      `case ${caseRef} closed; notified ${result.notified.length} countries, could not notify ${result.notNotified.length}`,
    );
    return { caseRef, ...result };
  }

  private async closedWithoutTelling(
    manager: EntityManager,
    caseRef: string,
    country: string,
    refusal: { code: string; message: string },
    actor: string,
  ): Promise<void> {
    await this.audit.record(manager, {
      action: 'CASE_CLOSURE_NOT_SENT',
      actor,
      caseRef,
      messageType: 'CASE_CLOSED',
      counterpart: country,
      decision: 'DENY',
      reasonCode: refusal.code,
    });
    await this.effects.emit(manager, 'case.closed-untold', { caseRef, country, at: new Date() });
  }
}

/** The consent refusal of a CASE_CLOSED, if that is the only reason it was refused. */
function noConsentFor(error: unknown): { code: string; message: string } | null {
  if (!(error instanceof TransferError)) return null;
  const reasons = error.details.reasons ?? [];
  const consent = reasons.filter((r) => r.code === RejectionCode.CONSENT_INSUFFICIENT);
  return consent.length > 0 && consent.length === reasons.length ? consent[0] : null;
}
