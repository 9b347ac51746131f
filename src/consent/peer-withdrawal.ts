import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import { Effects } from '../common/effects';
import { RiskRepository } from '../risk/risk.repository';
import { ConsentRepository } from './consent.repository';

/**
 * A peer's CONSENT_WITHDRAWN restricts the case here: the withdrawal is remembered (later messages under that
 * consent are refused), the case is restricted and its risk assessments are marked for review. Runs in the
 * inbound transaction.
 */
@Injectable()
export class PeerWithdrawal implements OnModuleInit {
  constructor(
    private readonly effects: Effects,
    private readonly consents: ConsentRepository,
    private readonly cases: CasesRepository,
    private readonly risk: RiskRepository,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.effects.on(
      'message.received',
      async (manager, { envelope, payload }) => {
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
      },
      ['CONSENT_WITHDRAWN'],
    );
  }
}
