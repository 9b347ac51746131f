import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In, Not } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Page } from '../common/page';
import { keysetPage } from '../database/keyset-page';
import { CaseGrantsRepository } from '../auth/case-grants.repository';
import { CasesRepository } from '../cases/cases.repository';
import { TECHNICAL_TYPES } from '../messages/message-types';
import { restrictionsBySender } from './use-restriction.policy';
import { MessageRecordEntity } from './message-record.entity';

export interface AgencySubmission {
  submission: MessageRecordEntity;
  /**
   * Inbound answers to it (receipts and rejections excluded: they show in its status); their payloads
   * withheld (null) once the case is restricted or no longer granted to the agency.
   */
  replies: MessageRecordEntity[];
}

/** `messages.submitted_by` of what an agency sent, over HTTP or AMQP (`actorOf` in auth/roles.ts). */
const submitterOf = (agency: string): string => `agency:${agency}`;

/**
 * What a partner agency may see: the messages it submitted (`submitted_by = agency:<code>`) and the inbound
 * replies to them, nothing else. Shared by the agencies' HTTP and AMQP edges.
 */
@Injectable()
export class AgencyVisibility {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
    private readonly grants: CaseGrantsRepository,
  ) {}

  /** Newest first, a page at a time. */
  async list(agency: string, page: { limit?: number; after?: string }): Promise<Page<MessageRecordEntity>> {
    const query = this.dataSource.manager
      .createQueryBuilder(MessageRecordEntity, 'm')
      .where('m.submitted_by = :submitter', { submitter: submitterOf(agency) })
      .andWhere("m.direction = 'OUTBOUND'");
    return keysetPage(
      query,
      [
        { sql: 'm.created_at', type: 'timestamptz', of: (m) => m.createdAt },
        { sql: 'm.id', type: 'uuid', of: (m) => m.id },
      ],
      'DESC',
      page,
    );
  }

  /** Null for an id that is not this agency's, exactly as for one that does not exist. */
  async find(agency: string, id: string): Promise<AgencySubmission | null> {
    const submitter = submitterOf(agency);
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
    const withheld = await this.answersWithheld(this.dataSource.manager, agency, submission.caseRef);
    const restricted = replies.flatMap((r) =>
      r.restrictions ? [{ from: r.counterpart, restrictions: r.restrictions }] : [],
    );
    // The replies' payloads are personal data: the read is audited like a case file's.
    await this.audit.record(this.dataSource.manager, {
      action: 'PERSONAL_DATA_READ',
      actor: submitter,
      caseRef: submission.caseRef,
      messageId: id,
      details: {
        replies: replies.length,
        withheld: withheld !== null,
        ...(withheld ? { because: withheld } : {}),
        // Replies received under use restrictions: the audit says which applied to this read.
        ...(restricted.length > 0 ? { restrictions: restrictionsBySender(restricted) } : {}),
      },
    });
    return { submission, replies: withheld ? replies.map((r) => ({ ...r, payload: null })) : replies };
  }

  /**
   * Why the answers on a case may not reach the agency that asked (HTTP and AMQP alike), or null: consent was
   * withdrawn (the case is restricted), or the case is no longer granted to the agency, which is then off
   * the case and learns that an answer came, not what it says.
   */
  async answersWithheld(
    manager: EntityManager,
    agency: string,
    caseRef: string | null,
  ): Promise<'CASE_RESTRICTED' | 'GRANT_REVOKED' | null> {
    if (!caseRef) return null;
    if ((await this.cases.find(manager, caseRef))?.restrictedAt) return 'CASE_RESTRICTED';
    return (await this.grants.isGranted(manager, { agency }, caseRef)) ? null : 'GRANT_REVOKED';
  }
}
