import { Module } from '@nestjs/common';
import { EffectsModule } from '../common/effects';
import { DirectoryModule } from '../directory/directory.module';
import { TransfersModule } from '../transfers/transfers.module';
import { TransportModule } from '../transport/transport.module';
import { AuditModule } from '../audit/audit.module';
import { AuditCheckpointService } from './audit-checkpoint.service';

/**
 * Sending and keeping AUDIT_CHECKPOINT messages. Apart from AuditModule because it needs the transfer
 * pipeline (OutboundService; its inbound handler on the effect bus), and the pipeline itself imports AuditModule.
 */
@Module({
  imports: [EffectsModule, AuditModule, DirectoryModule, TransfersModule, TransportModule],
  providers: [AuditCheckpointService],
  exports: [AuditCheckpointService],
})
export class AuditCheckpointsModule {}
