import { Injectable, OnModuleInit } from '@nestjs/common';
import type { RiskAssessmentResultPayload } from '../messages/payloads/return.dto';
import { Effects } from '../common/effects';
import { RiskService } from './risk.service';

/**
 * A RISK_ASSESSMENT_RESULT from the other country is recorded as an assessment of that country, so the risk
 * policy here sees both countries' assessments (domain.md: a joint assessment before a return).
 */
@Injectable()
export class PeerAssessments implements OnModuleInit {
  constructor(
    private readonly effects: Effects,
    private readonly risk: RiskService,
  ) {}

  onModuleInit(): void {
    this.effects.on(
      'message.received',
      async (manager, { envelope, payload }) => {
        const result = payload as RiskAssessmentResultPayload;
        await this.risk.recordWithin(
          manager,
          {
            caseRef: envelope.caseRef!,
            country: envelope.from,
            level: result.level,
            factors: result.factors.map((f) => ({ code: f.code, status: f.status })),
            summary: result.summary,
            protectionPlan: result.protectionPlan ?? null,
            complete: result.complete,
            assessedBy: envelope.from,
            assessedAt: new Date(result.assessedAt),
            validUntil: new Date(result.validUntil),
            sourceMessageId: envelope.id,
          },
          envelope.from,
        );
      },
      ['RISK_ASSESSMENT_RESULT'],
    );
  }
}
