import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CasesModule } from '../cases/cases.module';
import { CryptoModule } from '../crypto/crypto.module';
import { DirectoryModule } from '../directory/directory.module';
import { TransportModule } from '../transport/transport.module';
import { InboundEffects } from './inbound-effects';
import { InboundService } from './inbound.service';
import { InboxConsumer } from './inbox.consumer';
import { MessageRecordsRepository } from './message-records.repository';
import { OutboundService } from './outbound.service';
import { TransfersService } from './transfers.service';

/** The transfer pipeline: outbound and inbound halves, their AMQP edge and the message records. */
@Module({
  imports: [AuditModule, CasesModule, CryptoModule, DirectoryModule, TransportModule],
  providers: [
    MessageRecordsRepository,
    OutboundService,
    InboundService,
    InboxConsumer,
    TransfersService,
    InboundEffects,
  ],
  exports: [OutboundService, TransfersService, InboundEffects, MessageRecordsRepository],
})
export class TransfersModule {}
