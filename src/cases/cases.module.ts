import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EffectsModule } from '../common/effects';
import { CryptoModule } from '../crypto/crypto.module';
import { CaseRetentionService } from './case-retention.service';
import { CaseFactsRepository } from './case-facts.repository';
import { CaseFactsService } from './case-facts.service';
import { CaseWorkflowService } from './case-workflow.service';
import { CasesRepository } from './cases.repository';
import { CasesService } from './cases.service';
import { LocalSecretsRepository } from './local-secrets.repository';
import { LocalSecretsService } from './local-secrets.service';

@Module({
  imports: [AuditModule, EffectsModule, CryptoModule],
  providers: [
    CasesRepository,
    CasesService,
    CaseWorkflowService,
    CaseFactsRepository,
    CaseFactsService,
    LocalSecretsRepository,
    LocalSecretsService,
    CaseRetentionService,
  ],
  exports: [
    CasesRepository,
    CasesService,
    CaseWorkflowService,
    CaseFactsRepository,
    CaseFactsService,
    LocalSecretsRepository,
    LocalSecretsService,
    CaseRetentionService,
  ],
})
export class CasesModule {}
