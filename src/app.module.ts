import { DynamicModule, Module } from '@nestjs/common';
import { AgenciesModule } from './agencies/agencies.module';
import { CaseWorkflowController } from './api/case-workflow.controller';
import { CaseFactsController } from './api/case-facts.controller';
import { LocalSecretsController } from './api/local-secrets.controller';
import { RetentionController } from './api/retention.controller';
import { AgencyCasesController, AgencyController } from './api/agency.controller';
import { CasesController } from './api/cases.controller';
import { MessagesController } from './api/messages.controller';
import { ConsentController } from './api/consent.controller';
import { RiskController } from './api/risk.controller';
import { ConsentModule } from './consent/consent.module';
import { RiskModule } from './risk/risk.module';
import { AuthModule } from './auth/auth.module';
import { AuditModule } from './audit/audit.module';
import { AuditCheckpointsModule } from './checkpoints/audit-checkpoints.module';
import { CasesModule } from './cases/cases.module';
import { NodeConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ENTITIES } from './entities';
import { DirectoryModule } from './directory/directory.module';
import { EvidenceModule } from './evidence/evidence.module';
import { IndicatorsModule } from './indicators/indicators.module';
import { StatisticsModule } from './statistics/statistics.module';
import { ExpectationsModule } from './expectations/expectations.module';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { TransfersModule } from './transfers/transfers.module';
import { TransportModule } from './transport/transport.module';
import { WorklistModule } from './worklist/worklist.module';

/** One NCP node. */
@Module({})
export class AppModule {
  static forNode(config: NodeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(ENTITIES),
        AuditModule,
        AuthModule,
        DirectoryModule,
        CasesModule,
        ConsentModule,
        RiskModule,
        TransportModule,
        TransfersModule,
        AuditCheckpointsModule,
        EvidenceModule,
        IndicatorsModule,
        StatisticsModule,
        ExpectationsModule,
        AgenciesModule,
        WorklistModule,
        MetricsModule,
      ],
      controllers: [
        CasesController,
        CaseWorkflowController,
        CaseFactsController,
        LocalSecretsController,
        RetentionController,
        ConsentController,
        RiskController,
        MessagesController,
        AgencyController,
        AgencyCasesController,
        HealthController,
      ],
    };
  }
}
