import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { CaseEntity } from '../cases/case.entity';
import { ConsentRecordEntity } from '../consent/consent-record.entity';
import { PeerConsentWithdrawalEntity } from '../consent/peer-consent-withdrawal.entity';
import { RiskAssessmentEntity } from '../risk/risk-assessment.entity';
import { RiskOverrideEntity } from '../risk/risk-override.entity';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { ExpectationEntity } from '../expectations/expectation.entity';
import { ParticipantEntity } from '../directory/participant.entity';
import { MessageRecordEntity } from '../transfers/message-record.entity';
import { InboxEntity } from '../transport/inbox.entity';
import { OutboxEntity } from '../transport/outbox.entity';
import { migrateWithLock } from './migrate';

export const ENTITIES = [
  ParticipantEntity,
  CaseEntity,
  MessageRecordEntity,
  OutboxEntity,
  InboxEntity,
  AuditEntryEntity,
  ConsentRecordEntity,
  PeerConsentWithdrawalEntity,
  RiskAssessmentEntity,
  RiskOverrideEntity,
  ExpectationEntity,
];

/** The schema comes only from migrations/, applied at boot under an advisory lock (never `synchronize`). */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [NODE_CONFIG],
      useFactory: (config: NodeConfig) => ({
        type: 'postgres' as const,
        url: config.databaseUrl,
        entities: ENTITIES,
        migrations: MIGRATIONS,
        synchronize: false,
        migrationsRun: false,
        logging: false,
        extra: { max: 10, application_name: `trm-node-${config.country}` },
        retryAttempts: 10,
        retryDelay: 1000,
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        await migrateWithLock(dataSource);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
