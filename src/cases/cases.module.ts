import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CaseWorkflowService } from './case-workflow.service';
import { CasesRepository } from './cases.repository';
import { CasesService } from './cases.service';

@Module({
  imports: [AuditModule],
  providers: [CasesRepository, CasesService, CaseWorkflowService],
  exports: [CasesRepository, CasesService, CaseWorkflowService],
})
export class CasesModule {}
