import { Injectable } from '@nestjs/common';
import { DataSource, In, Not } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CasesService } from '../cases/cases.service';
import { TECHNICAL_TYPES } from '../messages/message-types';
import { MessageRecordEntity } from './message-record.entity';

export interface AgencySubmission {
  submission: MessageRecordEntity;
  /**
   * Inbound answers to it (receipts and rejections excluded: they show in its status); their payloads
   * withheld (null) once the case is restricted.
   */
  replies: MessageRecordEntity[];
}

const LIST_LIMIT = 500;

/**
 * What a partner agency may see: the messages it submitted (`submitted_by = agency:<code>`) and the inbound
 * replies to them, nothing else. Shared by the agencies' HTTP and AMQP edges.
 */
@Injectable()
export class AgencySubmissions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cases: CasesService,
    private readonly audit: AuditService,
  ) {}

  /** Newest first, at most 500. */
  async list(submitter: string): Promise<MessageRecordEntity[]> {
    return this.dataSource.manager.find(MessageRecordEntity, {
      where: { submittedBy: submitter, direction: 'OUTBOUND' },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: LIST_LIMIT,
    });
  }

  /** Null for an id that is not this submitter's, exactly as for one that does not exist. */
  async find(submitter: string, id: string): Promise<AgencySubmission | null> {
    const submission = await this.dataSource.manager.findOne(MessageRecordEntity, {
      where: { id, submittedBy: submitter, direction: 'OUTBOUND' },
    });
    if (!submission) return null;
    const replies = await this.dataSource.manager.find(MessageRecordEntity, {
      where: {
        inReplyTo: id,
        direction: 'INBOUND',
        // Only the country the submission went to answers it (as on the AMQP relay).
        counterpart: submission.counterpart,
        caseRef: submission.caseRef ?? undefined,
        type: Not(In([...TECHNICAL_TYPES])),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    if (replies.length === 0) return { submission, replies };
    const restricted = submission.caseRef ? (await this.cases.find(submission.caseRef))?.restrictedAt : null;
    // The replies' payloads are personal data: the read is audited like a case file's.
    await this.audit.record(this.dataSource.manager, {
      action: 'PERSONAL_DATA_READ',
      actor: submitter,
      caseRef: submission.caseRef,
      messageId: id,
      details: { replies: replies.length, withheld: Boolean(restricted) },
    });
    return { submission, replies: restricted ? replies.map((r) => ({ ...r, payload: null })) : replies };
  }
}
