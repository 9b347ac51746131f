import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CasesModule } from '../cases/cases.module';
import { RiskRepository } from './risk.repository';
import { RiskService } from './risk.service';

@Module({
  imports: [AuditModule, CasesModule],
  providers: [RiskRepository, RiskService],
  exports: [RiskRepository, RiskService],
})
export class RiskModule {}
