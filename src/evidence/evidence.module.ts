import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { EffectsModule } from '../common/effects';
import { DirectoryModule } from '../directory/directory.module';
import { EvidenceController } from './evidence.controller';
import { EvidenceExportService } from './evidence-export.service';

/** A case's evidence bundle: kept inbound bodies, and the export auditors verify offline. */
@Module({
  imports: [EffectsModule, AuditModule, AuthModule, DirectoryModule],
  controllers: [EvidenceController],
  providers: [EvidenceExportService],
})
export class EvidenceModule {}
