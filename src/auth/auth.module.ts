import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { AuditModule } from '../audit/audit.module';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { AccessErrorFilter } from './access-error.filter';
import { AccessGuard } from './access.guard';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { ApiKeysService } from './api-keys.service';
import { CaseGrantsService } from './case-grants.service';
import { LoginService } from './login.service';
import { AdminController } from './admin.controller';
import {
  AgenciesListController,
  AgencyGrantsController,
  CaseGrantsListController,
} from './agency-grants.controller';
import { AuthController } from './auth.controller';
import { CaseGrantsRepository } from './case-grants.repository';
import { Pseudonymiser } from './pseudonymiser';
import { LOGIN_ROUTE_KEY, LOGIN_THROTTLER, RateLimitGuard } from './rate-limit.guard';
import { PgThrottlerStorage } from './rate-limit.storage';

const MINUTE_MS = 60_000;

/**
 * Accounts, roles, tokens, API keys and rate limits of the HTTP API (docs/access.md). Its guard applies to
 * every route of the application and fails closed.
 */
@Module({
  imports: [
    AuditModule,
    JwtModule.registerAsync({
      inject: [NODE_CONFIG],
      useFactory: (config: NodeConfig) => ({
        secret: config.auth.secret,
        // Bound to this node: another node's token, even under the same secret, is refused.
        signOptions: {
          algorithm: 'HS256',
          expiresIn: config.auth.tokenTtlSeconds,
          issuer: `trm-node:${config.country}`,
          audience: 'trm-api',
        },
        verifyOptions: { algorithms: ['HS256'], issuer: `trm-node:${config.country}`, audience: 'trm-api' },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [NODE_CONFIG, DataSource],
      useFactory: (config: NodeConfig, dataSource: DataSource) => ({
        // Counted in PostgreSQL: every instance of the node sees the same figure.
        storage: new PgThrottlerStorage(dataSource),
        throttlers: [
          { name: 'default', ttl: MINUTE_MS, limit: config.auth.rateLimitPerMinute },
          {
            name: LOGIN_THROTTLER,
            ttl: MINUTE_MS,
            limit: config.auth.loginRateLimitPerMinute,
            skipIf: (context) => Reflect.getMetadata(LOGIN_ROUTE_KEY, context.getHandler()) !== true,
          },
        ],
      }),
    }),
  ],
  controllers: [
    AuthController,
    AdminController,
    AgencyGrantsController,
    AgenciesListController,
    CaseGrantsListController,
  ],
  providers: [
    AccountsRepository,
    AccountsService,
    LoginService,
    ApiKeysService,
    CaseGrantsService,
    CaseGrantsRepository,
    Pseudonymiser,
    RateLimitGuard,
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_FILTER, useClass: AccessErrorFilter },
  ],
  exports: [AccountsService, LoginService, CaseGrantsService, CaseGrantsRepository, Pseudonymiser],
})
export class AuthModule {}
