import { RiskModule } from '../risk/risk.module';
import { Module } from '@nestjs/common';
import { PeerWithdrawal } from './peer-withdrawal';
import { EffectsModule } from '../common/effects';
import { AuditModule } from '../audit/audit.module';
import { CasesModule } from '../cases/cases.module';
import { ConsentRepository } from './consent.repository';
import { ConsentService } from './consent.service';

@Module({
  imports: [EffectsModule, RiskModule, AuditModule, CasesModule],
  providers: [PeerWithdrawal, ConsentRepository, ConsentService],
  exports: [ConsentRepository, ConsentService],
})
export class ConsentModule {}
