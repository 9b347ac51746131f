import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { decodePageCursor, encodePageCursor, type Page, PAGE_DEFAULT_LIMIT } from '../common/page';
import { AccessError, AccessErrorCode } from './access.errors';
import { AccountRow, AccountsRepository } from './accounts.repository';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH } from './passwords';
import { Principal, Role, ROLES } from './roles';

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

/**
 * Accounts: creating, listing, disabling and unlocking them. Logins and tokens are LoginService's, API keys
 * ApiKeysService's, case grants CaseGrantsService's. Every change is audited in the same transaction as the
 * change it records.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditService,
  ) {}

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

  /** A page of accounts by name; the cursor is the last name shown. */
  async list(page: { limit?: number; after?: string }): Promise<Page<AccountView>> {
    const limit = page.limit ?? PAGE_DEFAULT_LIMIT;
    const after = page.after ? decodePageCursor(page.after) : null;
    if (page.after && after?.length !== 1)
      throw new BadRequestException('after must be the nextCursor of a previous page');
    const rows = await this.accounts.list(this.dataSource.manager, after?.[0] ?? null, limit);
    const items = rows.slice(0, limit);
    const more = rows.length > limit;
    return {
      items: items.map(toAccountView),
      nextCursor: more ? encodePageCursor([items.at(-1)!.name]) : null,
    };
  }

  async disable(name: string, actor: string): Promise<AccountView> {
    return this.change(name, actor, 'ACCOUNT_DISABLED', (manager) => this.accounts.disable(manager, name));
  }

  async unlock(name: string, actor: string): Promise<AccountView> {
    return this.change(name, actor, 'ACCOUNT_UNLOCKED', (manager) => this.accounts.unlock(manager, name));
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

export function toPrincipal(account: AccountRow): Principal {
  return { name: account.name, role: account.role, ...(account.agency ? { agency: account.agency } : {}) };
}

export function toAccountView(account: AccountRow): AccountView {
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
