import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { decodePageCursor, encodePageCursor, type Page, PAGE_DEFAULT_LIMIT } from '../common/page';
import { AccessError, AccessErrorCode } from './access.errors';
import { ACCOUNT_NAME, AGENCY_CODE } from './accounts.service';
import { AccountRow, AccountsRepository } from './accounts.repository';
import { CaseGrantsRepository, type GrantOnCase, type KnownAgency } from './case-grants.repository';
import { actorOf, Principal } from './roles';

/** Case grants: an auditor's (by account) and an agency's (by its code), given and taken back, audited. */
@Injectable()
export class CaseGrantsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly grants: CaseGrantsRepository,
    private readonly audit: AuditService,
  ) {}

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

  /** The grants on a case, a page at a time: the admin's list to revoke from. 404 for a case not on this node. */
  async grantsOn(caseRef: string, page: { limit?: number; after?: string }): Promise<Page<GrantOnCase>> {
    const manager = this.dataSource.manager;
    await this.existingCase(manager, caseRef);
    return this.grants.grantsOn(manager, caseRef, page);
  }

  /** The agencies a case can be granted to, a page at a time. */
  async agencies(page: { limit?: number; after?: string }): Promise<Page<KnownAgency>> {
    return this.grants.agencies(this.dataSource.manager, page);
  }

  /** An agency acts on the cases granted to its code; an auditor reads unpseudonymised those granted to it. */
  async isGranted(principal: Principal, caseRef: string): Promise<boolean> {
    const grantee = principal.agency ? { agency: principal.agency } : { account: principal.name };
    return this.grants.isGranted(this.dataSource.manager, grantee, caseRef);
  }

  /** The cases an agency was granted (its code is on its principal: every account of the agency alike). */
  /** The cases granted to the principal's agency, newest grant first, a page at a time. */
  async agencyCases(
    principal: Principal,
    page: { limit?: number; after?: string },
  ): Promise<Page<{ caseRef: string; grantedAt: Date }>> {
    if (!principal.agency) return { items: [], nextCursor: null };
    const limit = page.limit ?? PAGE_DEFAULT_LIMIT;
    const keys = page.after ? decodePageCursor(page.after) : null;
    if (page.after && (keys?.length !== 2 || Number.isNaN(Date.parse(keys[0]))))
      throw new BadRequestException('after must be the nextCursor of a previous page');
    const rows = await this.grants.grantedTo(
      this.dataSource.manager,
      { agency: principal.agency },
      { after: keys ? { grantedAt: keys[0], caseRef: keys[1] } : null, limit },
    );
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const more = rows.length > limit && last;
    return {
      items,
      nextCursor: more ? encodePageCursor([new Date(last.grantedAt).toISOString(), last.caseRef]) : null,
    };
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

  private async existing(manager: EntityManager, name: string): Promise<AccountRow> {
    const account = ACCOUNT_NAME.test(name) ? await this.accounts.find(manager, name) : null;
    if (!account) throw new AccessError(AccessErrorCode.NOT_FOUND, 'no such account');
    return account;
  }
}
