import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditReadService } from './audit-read.service';
import { AuditSealer } from './audit-sealer';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/**
 * The audit log: the hook every step writes through (AuditService), the sealer that chains what was
 * committed, and the auditors' read-only API. Checkpoints with peers live in AuditCheckpointsModule, which
 * needs the transfer pipeline (itself an importer of this module).
 */
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditSealer, AuditRepository, AuditReadService],
  exports: [AuditService, AuditSealer, AuditRepository],
})
export class AuditModule {}
