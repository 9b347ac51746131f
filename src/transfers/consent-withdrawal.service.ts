import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import { ConsentError, ConsentErrorCode } from '../consent/consent.errors';
import { ConsentRepository } from '../consent/consent.repository';
import { ConsentView } from '../consent/consent.dto';
import { toConsentView } from '../consent/consent.service';
import { RiskRepository } from '../risk/risk.repository';
import { OutboxRelay } from '../transport/outbox-relay';
import { InboundEffects } from './inbound-effects';
import { OutboundService } from './outbound.service';

export interface WithdrawalResult {
  consent: ConsentView;
  /** The countries told, each with the id of its CONSENT_WITHDRAWN. */
  notified: Array<{ country: string; messageId: string }>;
  /** Current risk assessments now due for review. */
  assessmentsToReview: number;
}

/**
 * Withdrawal is the person's right. In one transaction: the record ends, every country that received data
 * of the case gets CONSENT_WITHDRAWN, and the risk assessment is due for review (traffickers pressure victims
 * to withdraw, domain.md), without questioning the withdrawal. A peer's withdrawal restricts the case here.
 */
@Injectable()
export class ConsentWithdrawalService implements OnModuleInit {
  private readonly logger = new Logger(ConsentWithdrawalService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly consents: ConsentRepository,
    private readonly cases: CasesRepository,
    private readonly risk: RiskRepository,
    private readonly outbound: OutboundService,
    private readonly audit: AuditService,
    private readonly relay: OutboxRelay,
    private readonly effects: InboundEffects,
  ) {}

  onModuleInit(): void {
    this.effects.register('CONSENT_WITHDRAWN', async (manager, { envelope, payload }) => {
      const withdrawal = payload as { consentId: string; withdrawnAt: string };
      const caseRef = envelope.caseRef!;
      await this.consents.recordPeerWithdrawal(manager, {
        consentId: withdrawal.consentId,
        country: envelope.from,
        caseRef,
        messageId: envelope.id,
        withdrawnAt: new Date(withdrawal.withdrawnAt),
      });
      await this.cases.restrict(manager, caseRef);
      const toReview = await this.risk.requireReview(manager, caseRef);
      await this.audit.record(manager, {
        action: 'CASE_RESTRICTED',
        actor: envelope.from,
        caseRef,
        messageId: envelope.id,
        messageType: envelope.type,
        counterpart: envelope.from,
        details: { consentId: withdrawal.consentId, assessmentsToReview: toReview },
      });
    });
  }

  async withdraw(caseRef: string, consentId: string, actor: string): Promise<WithdrawalResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      const found = await this.cases.findForUpdate(manager, caseRef);
      const record = found ? await this.consents.find(manager, caseRef, consentId) : null;
      if (!record)
        throw new ConsentError(
          ConsentErrorCode.CONSENT_NOT_FOUND,
          `no consent ${consentId} on case ${caseRef}`,
        );
      if (!(await this.consents.withdraw(manager, consentId, actor))) {
        throw new ConsentError(
          ConsentErrorCode.ALREADY_WITHDRAWN,
          `consent ${consentId} was already withdrawn`,
        );
      }
      const withdrawnAt = new Date();
      const notified: WithdrawalResult['notified'] = [];
      for (const country of await this.countriesThatReceivedData(manager, caseRef)) {
        const sent = await this.outbound.sendWithin(
          manager,
          {
            caseRef,
            type: 'CONSENT_WITHDRAWN',
            to: country,
            legalBasis: 'CONSENT',
            payload: { consentId, withdrawnAt: withdrawnAt.toISOString(), scopesWithdrawn: record.scopes },
          },
          actor,
        );
        notified.push({ country, messageId: sent.record.id });
      }
      const assessmentsToReview = await this.risk.requireReview(manager, caseRef);
      await this.audit.record(manager, {
        action: 'CONSENT_WITHDRAWN',
        actor,
        caseRef,
        details: { consentId, notified: notified.map((n) => n.country), assessmentsToReview },
      });
      const updated = (await this.consents.find(manager, caseRef, consentId))!;
      return { consent: toConsentView(updated), notified, assessmentsToReview };
    });
    this.relay.kick();
    this.logger.log(
      `consent ${consentId} withdrawn on case ${caseRef}; notified ${result.notified.length} countries`,
    );
    return result;
  }

  /** Every country this node sent anything but technical messages to on the case. */
  private async countriesThatReceivedData(manager: EntityManager, caseRef: string): Promise<string[]> {
    const rows: Array<{ counterpart: string }> = await manager.query(
      `SELECT DISTINCT counterpart FROM messages
       WHERE case_ref = $1 AND direction = 'OUTBOUND' AND status <> 'REJECTED'
         AND type NOT IN ('DELIVERY_RECEIPT', 'DELIVERY_REJECTED', 'AUDIT_CHECKPOINT', 'CONSENT_WITHDRAWN')
       ORDER BY counterpart`,
      [caseRef],
    );
    return rows.map((r) => r.counterpart);
  }
}
