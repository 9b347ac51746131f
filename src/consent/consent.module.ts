import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CasesModule } from '../cases/cases.module';
import { ConsentRepository } from './consent.repository';
import { ConsentService } from './consent.service';

@Module({
  imports: [AuditModule, CasesModule],
  providers: [ConsentRepository, ConsentService],
  exports: [ConsentRepository, ConsentService],
})
export class ConsentModule {}
