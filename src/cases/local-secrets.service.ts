import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Page } from '../common/page';
import { CaseError, CaseErrorCode } from './case.errors';
import { CasesRepository } from './cases.repository';
import { LocalSecretListing, LocalSecretsRepository } from './local-secrets.repository';
import { decideReadReason, decideSecretValue } from './local-secrets.policy';

/**
 * Local secrets on a case (docs/data-at-rest.md, "Local secrets"): recorded and read by this node's
 * coordinators only, never sent (the outbound gate refuses a payload holding one). Recording and each read
 * are audited by the secret's id, a read with its stated reason; the value never goes into the audit log or
 * a log line.
 */
@Injectable()
export class LocalSecretsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly secrets: LocalSecretsRepository,
    private readonly audit: AuditService,
  ) {}

  /** The list shows labels, never values: it is not a read of a secret. */
  async list(caseRef: string, page: { limit?: number; after?: string }): Promise<Page<LocalSecretListing>> {
    await this.caseMustExist(caseRef);
    return this.secrets.pageForCase(this.dataSource.manager, caseRef, page);
  }

  async record(
    caseRef: string,
    secret: { label: string; value: string },
    actor: string,
  ): Promise<LocalSecretListing> {
    const decision = decideSecretValue(secret.value);
    if (!decision.allow) throw new CaseError(CaseErrorCode.CHANGE_REFUSED, decision.reason);
    return this.dataSource.transaction(async (manager) => {
      await this.caseMustExist(caseRef);
      const secretId = await this.secrets.insert(manager, caseRef, secret, actor);
      await this.audit.record(manager, {
        action: 'LOCAL_SECRET_RECORDED',
        actor,
        caseRef,
        details: { secretId },
      });
      const listed = await this.secrets.listForCase(manager, caseRef);
      return listed.find((s) => s.id === secretId)!;
    });
  }

  /** One secret's value, for a stated reason: audited (who, when, which secret, why) with the read. */
  async read(
    caseRef: string,
    secretId: string,
    reason: string,
    actor: string,
  ): Promise<LocalSecretListing & { value: string }> {
    return this.dataSource.transaction(async (manager) => {
      await this.caseMustExist(caseRef);
      const found = await this.secrets.find(manager, caseRef, secretId);
      if (!found)
        throw new CaseError(CaseErrorCode.SECRET_NOT_FOUND, `no local secret ${secretId} on case ${caseRef}`);
      const decision = decideReadReason(reason, found.value);
      if (!decision.allow) throw new CaseError(CaseErrorCode.CHANGE_REFUSED, decision.reason);
      await this.audit.record(manager, {
        action: 'LOCAL_SECRET_READ',
        actor,
        caseRef,
        details: { secretId, reason },
      });
      const { id, label, value, recordedBy, recordedAt } = found;
      return { id, label, value, recordedBy, recordedAt };
    });
  }

  private async caseMustExist(caseRef: string): Promise<void> {
    if (!(await this.cases.find(this.dataSource.manager, caseRef)))
      throw new CaseError(CaseErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
  }
}
