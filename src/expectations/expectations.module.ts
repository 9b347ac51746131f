import { Module } from '@nestjs/common';
import { EffectsModule } from '../common/effects';
import { AuditModule } from '../audit/audit.module';
import { CasesModule } from '../cases/cases.module';
import { DirectoryModule } from '../directory/directory.module';
import { TransfersModule } from '../transfers/transfers.module';
import { TransportModule } from '../transport/transport.module';
import { ExpectationScheduler } from './expectation-scheduler';
import { ExpectationsController } from './expectations.controller';
import { ExpectationsRepository } from './expectations.repository';
import { ExpectationsService } from './expectations.service';

/**
 * Expected replies and deadlines (part of the cases domain in ARCHITECTURE.md). A module of its own because
 * it hooks into the transfer pipeline (TransfersModule), which itself depends on CasesModule.
 */
@Module({
  imports: [EffectsModule, AuditModule, CasesModule, DirectoryModule, TransfersModule, TransportModule],
  controllers: [ExpectationsController],
  providers: [ExpectationsRepository, ExpectationsService, ExpectationScheduler],
  exports: [ExpectationsService],
})
export class ExpectationsModule {}
