import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { AgencyReplyEntity } from '../agencies/agency-reply.entity';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { CaseEntity } from '../cases/case.entity';
import { ConsentRecordEntity } from '../consent/consent-record.entity';
import { PeerConsentWithdrawalEntity } from '../consent/peer-consent-withdrawal.entity';
import { RiskAssessmentEntity } from '../risk/risk-assessment.entity';
import { RiskOverrideEntity } from '../risk/risk-override.entity';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { ExpectationEntity } from '../expectations/expectation.entity';
import { CryptoModule } from '../crypto/crypto.module';
import { bindFieldCipher } from '../crypto/encrypted-column';
import { FieldCipher, FieldCipherError } from '../crypto/field-cipher';
import { KeyStoreError } from '../crypto/key-store';
import { prepareStoredFields } from '../crypto/field-rekey';
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
  AgencyReplyEntity,
];

/** The node's cipher rides along with the options to the data source factory, which binds it. */
type NodeDataSourceOptions = TypeOrmModuleOptions & { fieldCipher: FieldCipher };

/**
 * The schema comes only from migrations/, applied at boot under an advisory lock (never `synchronize`). The
 * encrypted columns are then bound to this node's data keys, and the stored values checked against them.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [CryptoModule],
      inject: [NODE_CONFIG, FieldCipher],
      useFactory: (config: NodeConfig, fieldCipher: FieldCipher): NodeDataSourceOptions => ({
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
        // Retrying helps a database that is still starting, not a missing or wrong data key.
        toRetry: (error: unknown) => !(error instanceof FieldCipherError || error instanceof KeyStoreError),
        fieldCipher,
      }),
      dataSourceFactory: async (options) => {
        const { fieldCipher, ...dataSourceOptions } = options as DataSourceOptions & NodeDataSourceOptions;
        const dataSource = await new DataSource(dataSourceOptions as DataSourceOptions).initialize();
        await migrateWithLock(dataSource);
        // Also binds older values to their rows, batch by batch (docs/data-at-rest.md): progress in the log.
        const logger = new Logger('FieldEncryption');
        await prepareStoredFields(dataSource, fieldCipher, bindFieldCipher(dataSource, fieldCipher), (line) =>
          logger.log(line),
        );
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
