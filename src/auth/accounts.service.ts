import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { AccessError, AccessErrorCode } from './access.errors';
import { AccountRow, AccountsRepository } from './accounts.repository';
import { apiKeyId, apiKeyMatches, generateApiKey } from './api-keys';
import { CaseGrantsRepository } from './case-grants.repository';
import {
  burnPasswordCheck,
  generatePassword,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from './passwords';
import type { Authentication } from './access.policy';
import { actorOf, Principal, Role, ROLES } from './roles';

export const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]{1,39}$/;
export const AGENCY_CODE = /^[a-z0-9-]{2,40}$/;

export interface NewAccount {
  name: string;
  role: Role;
  agency?: string;
  /** Omitted: one is generated and returned once. */
  password?: string;
  /** For an agency system that only authenticates with API keys. */
  noPassword?: boolean;
}

export interface AccountView {
  name: string;
  role: Role;
  agency: string | null;
  locked: boolean;
  disabled: boolean;
  createdAt: string;
  createdBy: string;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

interface TokenClaims {
  sub: string;
}

/**
 * Accounts, logins, tokens and API keys. Every change and every refused login is audited in the same
 * transaction as the change it records; a refused login still commits its audit entry and failure count.
 */
@Injectable()
export class AccountsService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly grants: CaseGrantsRepository,
    private readonly audit: AuditService,
    private readonly jwt: JwtService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** The dummy hash is made at boot, so that not even the first refused login takes longer than others. */
  async onModuleInit(): Promise<void> {
    await burnPasswordCheck('');
  }

  /** Also used by `npm run user:create`, which has no Nest application: hence the manager argument. */
  static async create(
    manager: EntityManager,
    accounts: AccountsRepository,
    audit: AuditService,
    input: NewAccount,
    actor: string,
  ): Promise<{ account: AccountView; password?: string }> {
    const problem = accountProblem(input);
    if (problem) throw new AccessError(AccessErrorCode.INVALID_REQUEST, problem);
    const generated = input.password === undefined && !input.noPassword ? generatePassword() : undefined;
    const password = input.password ?? generated;
    const created = await accounts.insert(manager, {
      name: input.name,
      role: input.role,
      agency: input.role === 'agency' ? input.agency! : null,
      passwordHash: password === undefined ? null : await hashPassword(password),
      createdBy: actor,
    });
    if (!created)
      throw new AccessError(AccessErrorCode.ACCOUNT_EXISTS, `account ${input.name} already exists`);
    await audit.record(manager, {
      action: 'ACCOUNT_CREATED',
      actor,
      details: { account: input.name, role: input.role, agency: input.agency ?? null },
    });
    const account = (await accounts.find(manager, input.name))!;
    return { account: toAccountView(account), ...(generated ? { password: generated } : {}) };
  }

  async create(input: NewAccount, actor: string): Promise<{ account: AccountView; password?: string }> {
    return this.dataSource.transaction((manager) =>
      AccountsService.create(manager, this.accounts, this.audit, input, actor),
    );
  }

  async list(): Promise<AccountView[]> {
    return (await this.accounts.list(this.dataSource.manager)).map(toAccountView);
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

  async disable(name: string, actor: string): Promise<AccountView> {
    return this.change(name, actor, 'ACCOUNT_DISABLED', (manager) => this.accounts.disable(manager, name));
  }

  async unlock(name: string, actor: string): Promise<AccountView> {
    return this.change(name, actor, 'ACCOUNT_UNLOCKED', (manager) => this.accounts.unlock(manager, name));
  }

  /** A new key for an agency account: the key itself is returned once and never stored. */
  async issueApiKey(name: string, actor: string): Promise<{ keyId: string; key: string }> {
    return this.dataSource.transaction((manager) =>
      AccountsService.issueApiKey(manager, this.accounts, this.audit, name, actor),
    );
  }

  /** Also used by `npm run user:create -- --api-key`. */
  static async issueApiKey(
    manager: EntityManager,
    accounts: AccountsRepository,
    audit: AuditService,
    name: string,
    actor: string,
  ): Promise<{ keyId: string; key: string }> {
    const account = ACCOUNT_NAME.test(name) ? await accounts.find(manager, name) : null;
    if (!account) throw new AccessError(AccessErrorCode.NOT_FOUND, 'no such account');
    if (account.role !== 'agency')
      throw new AccessError(AccessErrorCode.INVALID_REQUEST, 'API keys are for agency accounts only');
    const { keyId, key, hash } = generateApiKey();
    await accounts.insertApiKey(manager, { keyId, account: name, hash, createdBy: actor });
    await audit.record(manager, { action: 'API_KEY_ISSUED', actor, details: { account: name, keyId } });
    return { keyId, key };
  }

  async revokeApiKey(name: string, keyId: string, actor: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.accounts.revokeApiKey(manager, name, keyId)))
        throw new AccessError(AccessErrorCode.NOT_FOUND, 'no such live key for this account');
      await this.audit.record(manager, {
        action: 'API_KEY_REVOKED',
        actor,
        details: { account: name, keyId },
      });
    });
  }

  /** Lets an auditor see a case's personal data: an admin's decision, never the case team's. */
  async grantCase(
    name: string,
    caseRef: string,
    by: Principal,
  ): Promise<{ account: string; caseRef: string }> {
    const actor = actorOf(by);
    return this.dataSource.transaction(async (manager) => {
      await this.auditor(manager, name);
      await this.existingCase(manager, caseRef);
      if (await this.grants.grant(manager, { account: name }, caseRef, actor)) {
        await this.audit.record(manager, {
          action: 'CASE_GRANTED',
          actor,
          caseRef,
          details: { account: name, role: 'auditor' },
        });
      }
      return { account: name, caseRef };
    });
  }

  async revokeCase(name: string, caseRef: string, by: Principal): Promise<void> {
    const actor = actorOf(by);
    await this.dataSource.transaction(async (manager) => {
      await this.auditor(manager, name);
      if (!(await this.grants.revoke(manager, { account: name }, caseRef)))
        throw new AccessError(AccessErrorCode.NOT_FOUND, 'no such grant');
      await this.audit.record(manager, {
        action: 'CASE_GRANT_REVOKED',
        actor,
        caseRef,
        details: { account: name, role: 'auditor' },
      });
    });
  }

  /**
   * Lets an agency act on a case: its accounts over HTTP and its registered system over AMQP alike. An
   * admin or a coordinator grants it (the case team decides who works on the case).
   */
  async grantAgencyCase(
    code: string,
    caseRef: string,
    by: Principal,
  ): Promise<{ agency: string; caseRef: string }> {
    const actor = actorOf(by);
    return this.dataSource.transaction(async (manager) => {
      await this.knownAgency(manager, code);
      await this.existingCase(manager, caseRef);
      if (await this.grants.grant(manager, { agency: code }, caseRef, actor)) {
        await this.audit.record(manager, {
          action: 'CASE_GRANTED',
          actor,
          caseRef,
          details: { agency: code },
        });
      }
      return { agency: code, caseRef };
    });
  }

  async revokeAgencyCase(code: string, caseRef: string, by: Principal): Promise<void> {
    const actor = actorOf(by);
    await this.dataSource.transaction(async (manager) => {
      await this.knownAgency(manager, code);
      if (!(await this.grants.revoke(manager, { agency: code }, caseRef)))
        throw new AccessError(AccessErrorCode.NOT_FOUND, 'no such grant');
      await this.audit.record(manager, {
        action: 'CASE_GRANT_REVOKED',
        actor,
        caseRef,
        details: { agency: code },
      });
    });
  }

  /** An agency acts on the cases granted to its code; an auditor reads unpseudonymised those granted to it. */
  async isGranted(principal: Principal, caseRef: string): Promise<boolean> {
    const grantee = principal.agency ? { agency: principal.agency } : { account: principal.name };
    return this.grants.isGranted(this.dataSource.manager, grantee, caseRef);
  }

  /** The cases an agency was granted (its code is on its principal: every account of the agency alike). */
  async agencyCases(principal: Principal): Promise<Array<{ caseRef: string; grantedAt: Date }>> {
    if (!principal.agency) return [];
    return this.grants.grantedTo(this.dataSource.manager, { agency: principal.agency });
  }

  /** Grants by account are for auditors; an agency's are by its code, so that all its accounts share them. */
  private async auditor(manager: EntityManager, name: string): Promise<void> {
    const account = await this.existing(manager, name);
    if (account.role === 'agency')
      throw new AccessError(
        AccessErrorCode.INVALID_REQUEST,
        `cases are granted to the agency, not to one of its accounts: POST /admin/agencies/${account.agency}/case-grants`,
      );
    if (account.role !== 'auditor')
      throw new AccessError(
        AccessErrorCode.INVALID_REQUEST,
        'cases are granted to auditors and agencies only',
      );
  }

  private async knownAgency(manager: EntityManager, code: string): Promise<void> {
    if (!AGENCY_CODE.test(code) || !(await this.grants.agencyKnown(manager, code)))
      throw new AccessError(AccessErrorCode.NOT_FOUND, 'no such agency');
  }

  private async existingCase(manager: EntityManager, caseRef: string): Promise<void> {
    if (!(await this.grants.caseKnown(manager, caseRef)))
      throw new AccessError(AccessErrorCode.NOT_FOUND, `no case ${caseRef}`);
  }

  private async change(
    name: string,
    actor: string,
    action: 'ACCOUNT_DISABLED' | 'ACCOUNT_UNLOCKED',
    apply: (manager: EntityManager) => Promise<boolean>,
  ): Promise<AccountView> {
    return this.dataSource.transaction(async (manager) => {
      await this.existing(manager, name);
      if (await apply(manager))
        await this.audit.record(manager, { action, actor, details: { account: name } });
      return toAccountView((await this.accounts.find(manager, name))!);
    });
  }

  private async existing(manager: EntityManager, name: string): Promise<AccountRow> {
    const account = ACCOUNT_NAME.test(name) ? await this.accounts.find(manager, name) : null;
    if (!account) throw new AccessError(AccessErrorCode.NOT_FOUND, 'no such account');
    return account;
  }
}

export function accountProblem(input: NewAccount): string | null {
  if (!ACCOUNT_NAME.test(input.name)) return 'name must match ^[a-z0-9][a-z0-9._-]{1,39}$';
  if (!ROLES.includes(input.role)) return `role must be one of ${ROLES.join(', ')}`;
  if (input.role === 'agency' && !AGENCY_CODE.test(input.agency ?? ''))
    return 'an agency account needs an agency code matching ^[a-z0-9-]{2,40}$';
  if (input.role !== 'agency' && input.agency !== undefined)
    return 'only agency accounts have an agency code';
  if (input.noPassword && input.role !== 'agency') return 'only an agency system may have no password';
  if (input.noPassword && input.password !== undefined) return 'a password was given with noPassword';
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH)
    return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  return null;
}

function toPrincipal(account: AccountRow): Principal {
  return { name: account.name, role: account.role, ...(account.agency ? { agency: account.agency } : {}) };
}

function toAccountView(account: AccountRow): AccountView {
  return {
    name: account.name,
    role: account.role,
    agency: account.agency,
    locked: account.lockedUntil !== null && account.lockedUntil.getTime() > Date.now(),
    disabled: account.disabledAt !== null,
    createdAt: account.createdAt.toISOString(),
    createdBy: account.createdBy,
  };
}
