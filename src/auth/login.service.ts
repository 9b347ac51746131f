import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { AccessError, AccessErrorCode } from './access.errors';
import type { Authentication } from './access.policy';
import { ACCOUNT_NAME, IssuedToken, toPrincipal } from './accounts.service';
import { AccountsRepository } from './accounts.repository';
import { apiKeyId, apiKeyMatches } from './api-keys';
import { burnPasswordCheck, verifyPassword } from './passwords';
import { actorOf, Principal } from './roles';

interface TokenClaims {
  sub: string;
}

/**
 * Logins and tokens: name and password → a short-lived token, and a token or an API key → the principal on
 * every request. A refused login still commits its audit entry and failure count.
 */
@Injectable()
export class LoginService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditService,
    private readonly jwt: JwtService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** The dummy hash is made at boot, so that not even the first refused login takes longer than others. */
  async onModuleInit(): Promise<void> {
    await burnPasswordCheck('');
  }

  /**
   * Name and password → a short-lived token. Unknown name, wrong password, locked or disabled account all
   * get the same answer after the same scrypt work; the audit log tells them apart. A name nobody has is not
   * written to the log (people type passwords into the name field).
   */
  async login(name: string, password: string): Promise<IssuedToken> {
    const { maxFailedLogins, lockoutMs } = this.config.auth;
    const outcome = await this.dataSource.transaction(async (manager): Promise<Principal | null> => {
      const account = ACCOUNT_NAME.test(name) ? await this.accounts.findForUpdate(manager, name) : null;
      const refuse = async (reason: string, actor = `api:${name}`): Promise<null> => {
        await this.audit.record(manager, {
          action: 'LOGIN_FAILED',
          actor,
          decision: 'DENY',
          reasonCode: reason,
        });
        return null;
      };
      if (!account) {
        await burnPasswordCheck(password);
        return refuse('UNKNOWN_ACCOUNT', 'anonymous');
      }
      if (account.disabledAt) {
        await burnPasswordCheck(password);
        return refuse('ACCOUNT_DISABLED');
      }
      if (account.lockedUntil && account.lockedUntil.getTime() > Date.now()) {
        await burnPasswordCheck(password);
        return refuse('ACCOUNT_LOCKED');
      }
      if (!account.passwordHash) {
        await burnPasswordCheck(password);
        return refuse('NO_PASSWORD');
      }
      if (!(await verifyPassword(password, account.passwordHash))) {
        const locked = await this.accounts.recordFailedLogin(manager, name, maxFailedLogins, lockoutMs);
        await refuse('WRONG_PASSWORD');
        if (locked) {
          await this.audit.record(manager, {
            action: 'ACCOUNT_LOCKED',
            actor: `api:${name}`,
            decision: 'DENY',
            reasonCode: 'TOO_MANY_FAILED_LOGINS',
            details: { failedLogins: maxFailedLogins, minutes: lockoutMs / 60_000 },
          });
        }
        return null;
      }
      await this.accounts.recordSuccessfulLogin(manager, name);
      const principal = toPrincipal(account);
      // Login entries name the account itself, also an agency's (which otherwise acts as agency:<code>).
      await this.audit.record(manager, {
        action: 'LOGIN_SUCCEEDED',
        actor: `api:${name}`,
        decision: 'ALLOW',
      });
      return principal;
    });
    if (!outcome) throw new AccessError(AccessErrorCode.INVALID_CREDENTIALS, 'invalid name or password');
    const claims: TokenClaims = { sub: outcome.name };
    return {
      accessToken: await this.jwt.signAsync(claims),
      tokenType: 'Bearer',
      expiresIn: this.config.auth.tokenTtlSeconds,
    };
  }

  /**
   * A bearer token or an API key → the principal, read from the account on every request: a disabled
   * account or a revoked key stops working at once, and a role change applies to tokens already issued.
   */
  async authenticate(authorization: string | undefined, apiKey: string | undefined): Promise<Authentication> {
    if (authorization !== undefined && apiKey !== undefined) return { failure: 'AMBIGUOUS_CREDENTIALS' };
    if (apiKey !== undefined) return this.fromApiKey(apiKey);
    if (authorization === undefined) return { failure: 'NO_CREDENTIALS' };
    const token = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(authorization)?.[1];
    if (!token) return { failure: 'TOKEN_INVALID' };
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token);
    } catch (error) {
      return { failure: error instanceof TokenExpiredError ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID' };
    }
    const account =
      typeof claims.sub === 'string' ? await this.accounts.find(this.dataSource.manager, claims.sub) : null;
    if (!account) return { failure: 'TOKEN_INVALID' };
    if (account.disabledAt) return { failure: 'ACCOUNT_DISABLED', actor: actorOf(toPrincipal(account)) };
    return { principal: toPrincipal(account) };
  }

  private async fromApiKey(key: string): Promise<Authentication> {
    const keyId = apiKeyId(key);
    const row = keyId ? await this.accounts.findApiKey(this.dataSource.manager, keyId) : null;
    if (!row || !apiKeyMatches(key, row.keyHash)) return { failure: 'API_KEY_INVALID' };
    const account = (await this.accounts.find(this.dataSource.manager, row.account))!;
    const actor = actorOf(toPrincipal(account));
    if (row.revokedAt) return { failure: 'API_KEY_REVOKED', actor };
    if (account.disabledAt) return { failure: 'ACCOUNT_DISABLED', actor };
    return { principal: toPrincipal(account) };
  }
}
