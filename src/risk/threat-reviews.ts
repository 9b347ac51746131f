import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Effects } from '../common/effects';
import { RiskRepository } from './risk.repository';

/**
 * A threat reported on a case makes its risk assessments due for review (domain.md: "kept current: the
 * situation changes"), in the transaction that records the threat: until a new assessment is recorded, the
 * risk gate counts none of them, and a return waits (risk.policy.ts, `threatReviewReasons`).
 */
@Injectable()
export class ThreatReviews implements OnModuleInit {
  constructor(
    private readonly effects: Effects,
    private readonly risk: RiskRepository,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.effects.on('case.threat-reported', async (manager, { caseRef, factId, actor }) => {
      const assessments = await this.risk.requireReview(manager, caseRef);
      await this.audit.record(manager, {
        action: 'RISK_REVIEW_REQUIRED',
        actor,
        caseRef,
        details: { cause: 'THREAT_REPORTED', factId, assessments },
      });
    });
  }
}
