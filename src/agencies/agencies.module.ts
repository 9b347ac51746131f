import { Module } from '@nestjs/common';
import { EffectsModule } from '../common/effects';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CasesModule } from '../cases/cases.module';
import { CryptoModule } from '../crypto/crypto.module';
import { TransfersModule } from '../transfers/transfers.module';
import { TransportModule } from '../transport/transport.module';
import { AgenciesRepository } from './agencies.repository';
import { AgencyRepliesRepository } from './agency-replies.repository';
import { AgencyReplies } from './agency-replies.service';
import { AgencyReplyRelay } from './agency-reply.relay';
import { AgencySubmissionsConsumer } from './agency-submissions.consumer';
import { AgencySubmissions } from './agency-submissions.service';

/**
 * Partner agencies over AMQP (docs/agencies.md): the registry, submissions on the national exchange through
 * the transfer pipeline, and replies on each agency's own queue.
 */
@Module({
  imports: [
    EffectsModule,
    AuditModule,
    AuthModule,
    CasesModule,
    CryptoModule,
    TransfersModule,
    TransportModule,
  ],
  providers: [
    AgenciesRepository,
    AgencyRepliesRepository,
    AgencyReplies,
    AgencyReplyRelay,
    AgencySubmissions,
    AgencySubmissionsConsumer,
  ],
  exports: [AgenciesRepository],
})
export class AgenciesModule {}
