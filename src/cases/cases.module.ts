import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CasesRepository } from './cases.repository';
import { CasesService } from './cases.service';

@Module({
  imports: [AuditModule],
  providers: [CasesRepository, CasesService],
  exports: [CasesRepository, CasesService],
})
export class CasesModule {}
