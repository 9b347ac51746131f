import { DynamicModule, Injectable, Logger, Module } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { CryptoModule } from '../crypto/crypto.module';
import { bindFieldCipher } from '../crypto/encrypted-column';
import { FieldCipher, FieldCipherError } from '../crypto/field-cipher';
import { KeyStoreError } from '../crypto/key-store';
import { prepareStoredFields } from '../crypto/field-rekey';
import type { Lane } from '../messages/message-types';
import { migrateWithLock } from './migrate';

/**
 * The urgent lane's own pool (docs/protocol.md, "Alerts never wait"): emergency alerts are sent, relayed and
 * applied on these connections, which routine work cannot take, so an alert never waits for a connection
 * behind routine load. URGENT_CONNECTIONS alerts are applied at once; one more connection sends an alert and
 * one relays them.
 */
export const URGENT_CONNECTION = 'urgent';
export const URGENT_CONNECTIONS = 2;
const URGENT_POOL = URGENT_CONNECTIONS + 2;

/** The one place that says which pool a lane's work runs on: alerts on the urgent lane's own. */
@Injectable()
export class LaneDatabases {
  constructor(
    private readonly main: DataSource,
    @InjectDataSource(URGENT_CONNECTION) private readonly urgent: DataSource,
  ) {}

  of(lane: Lane): DataSource {
    return lane === 'urgent' ? this.urgent : this.main;
  }
}

/**
 * The node's cipher rides along with the options to the data source factory, which binds it; `prepare`:
 * migrate and prepare the stored fields first (once per boot: the urgent lane's thread starts after the main
 * thread did it).
 */
type NodeDataSourceOptions = TypeOrmModuleOptions & { fieldCipher: FieldCipher; prepare?: boolean };

/** The entity classes (src/entities.ts lists them): given by the application, which knows every feature. */
type Entities = NonNullable<DataSourceOptions['entities']>;

/**
 * The schema comes only from migrations/, applied at boot under an advisory lock (never `synchronize`). The
 * encrypted columns are then bound to this node's data keys, and the stored values checked against them.
 */
@Module({})
export class DatabaseModule {
  static forRoot(entities: Entities): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [databaseConnection(entities), urgentConnection(entities)],
      providers: [LaneDatabases],
      exports: [LaneDatabases],
    };
  }
}

/**
 * node-postgres's pool: `connectionTimeoutMillis` bounds the wait for a free connection too, so a statement
 * behind a pool held whole fails (and its caller retries) rather than waiting forever.
 */
function poolOptions(config: NodeConfig, max: number, applicationName: string): Record<string, unknown> {
  return { max, application_name: applicationName, connectionTimeoutMillis: config.databaseWaitMs };
}

function databaseConnection(entities: Entities): DynamicModule {
  return TypeOrmModule.forRootAsync({
    imports: [CryptoModule],
    inject: [NODE_CONFIG, FieldCipher],
    useFactory: (config: NodeConfig, fieldCipher: FieldCipher): NodeDataSourceOptions => ({
      type: 'postgres' as const,
      url: config.databaseUrl,
      entities,
      migrations: MIGRATIONS,
      synchronize: false,
      migrationsRun: false,
      logging: false,
      extra: poolOptions(config, 10, `trm-node-${config.country}`),
      retryAttempts: 10,
      retryDelay: 1000,
      // Retrying helps a database that is still starting, not a missing or wrong data key.
      toRetry: (error: unknown) => !(error instanceof FieldCipherError || error instanceof KeyStoreError),
      fieldCipher,
      prepare: !config.urgentLaneOnly,
    }),
    dataSourceFactory: async (options) => {
      const { fieldCipher, prepare, ...dataSourceOptions } = options as DataSourceOptions &
        NodeDataSourceOptions;
      const dataSource = await new DataSource(dataSourceOptions as DataSourceOptions).initialize();
      if (prepare) await migrateWithLock(dataSource);
      const columns = bindFieldCipher(dataSource, fieldCipher, { caseKeys: true });
      // Also binds older values to their rows, batch by batch (docs/data-at-rest.md): progress in the log.
      const logger = new Logger('FieldEncryption');
      if (prepare) await prepareStoredFields(dataSource, fieldCipher, columns, (line) => logger.log(line));
      return dataSource;
    },
  });
}

/**
 * The urgent lane's pool: the same entities and data keys, a pool of its own. The schema is the main
 * connection's to migrate (this one runs no statement before the node serves).
 */
function urgentConnection(entities: Entities): DynamicModule {
  return TypeOrmModule.forRootAsync({
    name: URGENT_CONNECTION,
    imports: [CryptoModule],
    inject: [NODE_CONFIG, FieldCipher],
    useFactory: (config: NodeConfig, fieldCipher: FieldCipher): NodeDataSourceOptions => ({
      name: URGENT_CONNECTION,
      type: 'postgres' as const,
      url: config.databaseUrl,
      entities,
      synchronize: false,
      migrationsRun: false,
      logging: false,
      extra: poolOptions(config, URGENT_POOL, `trm-node-${config.country}-urgent`),
      retryAttempts: 10,
      retryDelay: 1000,
      toRetry: (error: unknown) => !(error instanceof FieldCipherError || error instanceof KeyStoreError),
      fieldCipher,
    }),
    dataSourceFactory: async (options) => {
      const { fieldCipher, ...dataSourceOptions } = options as DataSourceOptions & NodeDataSourceOptions;
      const dataSource = await new DataSource(dataSourceOptions as DataSourceOptions).initialize();
      // Alerts carry personal data of their case: under the case's key, as on the main pool.
      bindFieldCipher(dataSource, fieldCipher, { caseKeys: true });
      return dataSource;
    },
  });
}
