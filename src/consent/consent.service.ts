import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Page } from '../common/page';
import { isChildCase } from '../cases/case.entity';
import { CasesRepository } from '../cases/cases.repository';
import { ConsentRecordEntity } from './consent-record.entity';
import { ConsentView, RecordConsentDto } from './consent.dto';
import { ConsentError, ConsentErrorCode } from './consent.errors';
import { ConsentRepository } from './consent.repository';

@Injectable()
export class ConsentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly consents: ConsentRepository,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
  ) {}

  /** A new record: consent is never edited. Recording it also lifts a restriction left by a withdrawal. */
  async record(caseRef: string, dto: RecordConsentDto, actor: string): Promise<ConsentView> {
    return this.dataSource.transaction(async (manager) => {
      const found = await this.cases.findForUpdate(manager, caseRef);
      if (!found)
        throw new ConsentError(ConsentErrorCode.CONSENT_NOT_FOUND, `no case ${caseRef} on this node`);
      if (isChildCase(found) && dto.givenBy === 'VICTIM') {
        throw new ConsentError(
          ConsentErrorCode.CHILD_NEEDS_GUARDIAN,
          'the person is treated as a child: consent comes from a guardian or legal representative, with the child’s view recorded',
        );
      }
      const record = await this.consents.insert(manager, {
        caseRef,
        scopes: dto.scopes,
        recipients: dto.recipients,
        givenBy: dto.givenBy,
        childView: dto.childView ?? null,
        informed: dto.informed,
        informedLanguage: dto.informedLanguage,
        recordedBy: actor,
        givenAt: dto.givenAt ? new Date(dto.givenAt) : new Date(),
        expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
      });
      await this.cases.liftRestriction(manager, caseRef);
      await this.audit.record(manager, {
        action: 'CONSENT_RECORDED',
        actor,
        caseRef,
        details: {
          consentId: record.id,
          scopes: record.scopes,
          recipients: record.recipients,
          givenBy: record.givenBy,
        },
      });
      return toConsentView(record);
    });
  }

  /** Consent records hold the child's own view: the read is audited like any personal data. */
  async list(
    caseRef: string,
    page: { limit?: number; after?: string },
    actor: string,
  ): Promise<Page<ConsentView>> {
    return this.dataSource.transaction(async (manager) => {
      const { items: records, nextCursor } = await this.consents.pageForCase(manager, caseRef, page);
      await this.audit.record(manager, {
        action: 'PERSONAL_DATA_READ',
        actor,
        caseRef,
        details: { read: 'consents', records: records.length },
      });
      return { items: records.map((r) => toConsentView(r)), nextCursor };
    });
  }
}

export function toConsentView(r: ConsentRecordEntity, now = new Date()): ConsentView {
  return {
    consentId: r.id,
    caseRef: r.caseRef,
    scopes: r.scopes,
    recipients: r.recipients,
    givenBy: r.givenBy,
    childView: r.childView,
    informedLanguage: r.informedLanguage,
    recordedBy: r.recordedBy,
    givenAt: r.givenAt.toISOString(),
    recordedAt: r.recordedAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    withdrawnAt: r.withdrawnAt?.toISOString() ?? null,
    withdrawnBy: r.withdrawnBy,
    live: r.withdrawnAt === null && (r.expiresAt === null || r.expiresAt > now),
  };
}
