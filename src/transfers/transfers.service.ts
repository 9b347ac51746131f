import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CasesService } from '../cases/cases.service';
import { CaseEntity } from '../cases/case.entity';
import { MessageRecordEntity } from './message-record.entity';
import { MessageRecordsRepository } from './message-records.repository';
import { TransferError, TransferErrorCode } from './transfer.errors';
import { restrictionsBySender } from './use-restriction.policy';

export interface CaseFile {
  case: CaseEntity;
  messages: MessageRecordEntity[];
  /** The use restrictions received on the case, by the country that set them. */
  restrictions: Record<string, string[]>;
}

/** Reads of the case file. Every read that returns personal data is audited, with who read it. */
@Injectable()
export class TransfersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cases: CasesService,
    private readonly records: MessageRecordsRepository,
    private readonly audit: AuditService,
  ) {}

  async caseFile(caseRef: string, actor: string, read: { pseudonymised?: boolean } = {}): Promise<CaseFile> {
    const found = await this.cases.find(caseRef);
    if (!found) throw new TransferError(TransferErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
    return this.dataSource.transaction(async (manager) => {
      const messages = await this.records.forCase(manager, caseRef);
      const restrictions = restrictionsBySender(
        messages
          .filter((m) => m.direction === 'INBOUND' && m.status === 'ACCEPTED' && m.restrictions)
          .map((m) => ({ from: m.counterpart, restrictions: m.restrictions ?? [] })),
      );
      await this.audit.record(manager, {
        action: 'PERSONAL_DATA_READ',
        actor,
        caseRef,
        details: {
          messages: messages.length,
          withheld: found.restrictedAt !== null,
          ...(read.pseudonymised ? { pseudonymised: true } : {}),
          // Data read under use restrictions: auditors see which applied to this read.
          ...(Object.keys(restrictions).length > 0 ? { restrictions } : {}),
        },
      });
      return { case: found, messages, restrictions };
    });
  }

  /** Delivery status only: no payload, so no personal data and no audit entry. */
  async deliveryStatus(id: string): Promise<MessageRecordEntity> {
    const record = await this.records.find(this.dataSource.manager, id);
    if (!record)
      throw new TransferError(TransferErrorCode.MESSAGE_NOT_FOUND, `no message ${id} on this node`);
    return record;
  }
}
