import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Page } from '../common/page';
import { AccessError, AccessErrorCode } from './access.errors';
import { ACCOUNT_NAME } from './accounts.service';
import { AccountsRepository, type ApiKeyListing } from './accounts.repository';
import { generateApiKey } from './api-keys';

/** API keys of agency systems: issued (the key shown once, only its hash kept) and revoked, both audited. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditService,
  ) {}

  /** A new key for an agency account: the key itself is returned once and never stored. */
  async issueApiKey(name: string, actor: string): Promise<{ keyId: string; key: string }> {
    return this.dataSource.transaction((manager) =>
      ApiKeysService.issueApiKey(manager, this.accounts, this.audit, name, actor),
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

  /** An account's keys, live and revoked: ids and dates, never a key or its hash. */
  async listApiKeys(name: string, page: { limit?: number; after?: string }): Promise<Page<ApiKeyListing>> {
    const manager = this.dataSource.manager;
    const account = ACCOUNT_NAME.test(name) ? await this.accounts.find(manager, name) : null;
    if (!account) throw new AccessError(AccessErrorCode.NOT_FOUND, 'no such account');
    return this.accounts.apiKeysOf(manager, name, page);
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
}
