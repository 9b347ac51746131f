import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CasesModule } from '../cases/cases.module';
import { EffectsModule } from '../common/effects';
import { IndicatorFacts } from './indicator-facts';
import { IndicatorsController } from './indicators.controller';
import { IndicatorsService } from './indicators.service';

/**
 * SOP-compliance indicators, read from this node's own audit trail, expectations and cases; and the facts
 * of a moment some of them judge, recorded in the audit trail as it happens (IndicatorFacts).
 */
@Module({
  imports: [AuditModule, CasesModule, EffectsModule],
  controllers: [IndicatorsController],
  providers: [IndicatorsService, IndicatorFacts],
})
export class IndicatorsModule {}
