import { Module } from '@nestjs/common';
import { EffectsModule } from '../common/effects';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CasesModule } from '../cases/cases.module';
import { CryptoModule } from '../crypto/crypto.module';
import { DirectoryModule } from '../directory/directory.module';
import { TransportModule } from '../transport/transport.module';
import { ConsentModule } from '../consent/consent.module';
import { RiskModule } from '../risk/risk.module';
import { CaseClosureService } from './case-closure.service';
import { AgencyVisibility } from './agency-visibility';
import { ConsentWithdrawalService } from './consent-withdrawal.service';
import { TransferGate } from './transfer.gate';
import { InboundService } from './inbound.service';
import { CaseLifecycle } from './case-lifecycle';
import { ReceiverCaseChecks } from './receiver/case-checks';
import { SenderSteps } from './sender/send-steps';
import { InboxConsumer } from './inbox.consumer';
import { TrmTransport } from './trm-transport';
import { UrgentLaneThread } from './urgent-lane-thread';
import { MessageRecordsRepository } from './message-records.repository';
import { OutboundService } from './outbound.service';
import { TransfersService } from './transfers.service';

/** The transfer pipeline: outbound and inbound halves, their AMQP edge and the message records. */
@Module({
  imports: [
    EffectsModule,
    AuditModule,
    AuthModule,
    CasesModule,
    ConsentModule,
    CryptoModule,
    DirectoryModule,
    RiskModule,
    TransportModule,
  ],
  providers: [
    MessageRecordsRepository,
    OutboundService,
    InboundService,
    CaseLifecycle,
    ReceiverCaseChecks,
    SenderSteps,
    InboxConsumer,
    TrmTransport,
    UrgentLaneThread,
    TransfersService,
    TransferGate,
    ConsentWithdrawalService,
    CaseClosureService,
    AgencyVisibility,
  ],
  exports: [
    OutboundService,
    UrgentLaneThread,
    TransfersService,
    MessageRecordsRepository,
    ConsentWithdrawalService,
    CaseClosureService,
    AgencyVisibility,
  ],
})
export class TransfersModule {}
