import { Module } from '@nestjs/common';
import { PeerAssessments } from './peer-assessments';
import { EffectsModule } from '../common/effects';
import { AuditModule } from '../audit/audit.module';
import { CasesModule } from '../cases/cases.module';
import { RiskRepository } from './risk.repository';
import { RiskService } from './risk.service';
import { ThreatReviews } from './threat-reviews';

@Module({
  imports: [EffectsModule, AuditModule, CasesModule],
  providers: [PeerAssessments, RiskRepository, RiskService, ThreatReviews],
  exports: [RiskRepository, RiskService],
})
export class RiskModule {}
