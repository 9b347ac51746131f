import type { Page } from '../common/page';
import { keysetPage } from '../database/keyset-page';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CancelReason, cancelledBy, type ExpectationStatus, SETTLED_ONLY_BY_NAME } from './expectation-rules';
import { EXPECTING_TYPES } from '../config/deadlines';
import { AddressedContact, ExpectationDirection, ExpectationEntity } from './expectation.entity';

export interface NewExpectation {
  caseRef: string;
  requestMessageId: string;
  requestType: string;
  expectedTypes: string[];
  direction: ExpectationDirection;
  owedBy: string;
  owedTo: string;
  sop: number;
  requestedAt: Date;
  dueAt: Date;
  deliveredAt: Date | null;
  contact: AddressedContact | null;
}

/** What the scheduler changes on one overdue expectation. */
export interface OverdueChange {
  status: ExpectationStatus;
  overdueAt: Date | null;
  escalationLevel: number;
  contact: AddressedContact | null;
  escalations: ExpectationEntity['escalations'];
  escalationExhaustedAt: Date | null;
  nextCheckAt: Date | null;
}

const OPEN: ExpectationStatus[] = ['OPEN', 'OVERDUE'];

/** The expectations table. Every method takes the caller's EntityManager: the caller owns the transaction. */
@Injectable()
export class ExpectationsRepository {
  /** One expectation per request message: a redelivered request never opens a second one. */
  async insert(manager: EntityManager, values: NewExpectation): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(ExpectationEntity)
      .values({ ...values, status: 'OPEN', escalationLevel: 0, escalations: [], nextCheckAt: values.dueAt })
      .orIgnore()
      .execute();
  }

  /**
   * The open expectation an answer closes, locked. When `inReplyTo` names a request we hold an expectation
   * for, only that one (or the one its answer opened): if it is no longer open or expects another type, the
   * answer closes nothing (it must not settle a different request, e.g. the arrival for plan 1 the revised
   * plan 2). Otherwise the oldest
   * open one on the same case, between the same countries, that expects this type, except those
   * SETTLED_ONLY_BY_NAME (an emergency alert, an offender's release): only an answer that names one settles
   * it, not any routine CASE_UPDATE.
   */
  async findAnswerable(
    manager: EntityManager,
    answer: { caseRef: string; owedBy: string; owedTo: string; type: string; inReplyTo: string | null },
  ): Promise<ExpectationEntity | null> {
    const query = () =>
      manager
        .createQueryBuilder(ExpectationEntity, 'e')
        .setLock('pessimistic_write')
        .where('e.case_ref = :caseRef AND e.owed_by = :owedBy AND e.owed_to = :owedTo', answer)
        .andWhere('e.status IN (:...open)', { open: OPEN })
        .andWhere(':type = ANY(e.expected_types)', { type: answer.type });
    if (answer.inReplyTo) {
      // A reply to a request may settle what its answer opened: the arrival naming the plan settles the
      // arrival owed since that plan's confirmation.
      const named = await query()
        .andWhere(
          `(e.request_message_id = :id OR e.request_message_id IN
             (SELECT answer_message_id FROM expectations WHERE request_message_id = :id))`,
          { id: answer.inReplyTo },
        )
        .getOne();
      if (named) return named;
      const known = await manager
        .createQueryBuilder(ExpectationEntity, 'e')
        .where('e.case_ref = :caseRef AND e.request_message_id = :id', {
          caseRef: answer.caseRef,
          id: answer.inReplyTo,
        })
        .getExists();
      if (known) return null;
    }
    return query()
      .andWhere('e.request_type NOT IN (:...byName)', { byName: SETTLED_ONLY_BY_NAME })
      .orderBy('e.requested_at', 'ASC')
      .addOrderBy('e.created_at', 'ASC')
      .limit(1)
      .getOne();
  }

  async markAnswered(
    manager: EntityManager,
    id: string,
    answer: { messageId: string; type: string; at: Date },
  ): Promise<void> {
    await manager.query(
      `UPDATE expectations SET status = 'ANSWERED', answered_at = $2, answer_message_id = $3, answer_type = $4,
         delivered_at = coalesce(delivered_at, $2), next_check_at = NULL
       WHERE id = $1`,
      [id, answer.at, answer.messageId, answer.type],
    );
  }

  /**
   * The receivers' receipts for the requests (a batch's, in one statement). The receiver owes the answer to
   * a request, and is owed the next step of a return (the arrival, the follow-up) by us, its sender.
   */
  async markDelivered(
    manager: EntityManager,
    delivered: Array<{ requestId: string; receiver: string }>,
    at: Date,
  ): Promise<void> {
    if (delivered.length === 0) return;
    await manager.query(
      `UPDATE expectations e SET delivered_at = coalesce(e.delivered_at, $3)
       FROM unnest($1::uuid[], $2::text[]) AS d(request_id, receiver)
       WHERE e.request_message_id = d.request_id AND d.receiver IN (e.owed_by, e.owed_to)`,
      [delivered.map((d) => d.requestId), delivered.map((d) => d.receiver), at],
    );
  }

  /**
   * The receiver rejected the request: it owes nothing (nor do we the next step of a return it did not
   * take), and the coordinator sees why.
   */
  async markFailed(
    manager: EntityManager,
    requestId: string,
    receiver: string,
    failure: { reasonCode: string; at: Date },
  ): Promise<void> {
    await manager.query(
      `UPDATE expectations SET status = 'FAILED', failed_at = $3, failure_reason_code = $4, next_check_at = NULL
       WHERE request_message_id = $1 AND $2 IN (owed_by, owed_to) AND status IN ('OPEN', 'OVERDUE')`,
      [requestId, receiver, failure.at, failure.reasonCode],
    );
  }

  /**
   * The relationship with `country` on this case ended for `reason` (a CASE_CLOSED sent to it or received
   * from it, a consent withdrawal between us, told or not): what either side still awaited from the other is
   * owed no more, except what `cancelledBy` keeps (an emergency alert's acknowledgement after a withdrawal).
   * Returns the ids cancelled, for the audit entry.
   */
  async cancelWith(
    manager: EntityManager,
    caseRef: string,
    country: string,
    at: Date,
    reason: CancelReason,
  ): Promise<string[]> {
    const kept = EXPECTING_TYPES.filter((type) => !cancelledBy(reason, type));
    const rows: unknown[] = await manager.query(
      `UPDATE expectations SET status = 'CANCELLED', cancelled_at = $3, cancel_reason = $4, next_check_at = NULL
       WHERE case_ref = $1 AND (owed_by = $2 OR owed_to = $2) AND status IN ('OPEN', 'OVERDUE')
         AND request_type <> ALL($5::text[])
       RETURNING id`,
      [caseRef, country, at, reason, kept],
    );
    // TypeORM's postgres driver answers an UPDATE … RETURNING with [rows, count].
    const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as Array<{ id: string }>;
    return updated.map((row) => row.id);
  }

  /** Our answer was rejected by the country we owed it to: we still owe it, overdue again if it was. */
  async reopenRejectedAnswer(
    manager: EntityManager,
    answerId: string,
    owedTo: string,
    now: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE expectations SET
         status = CASE WHEN overdue_at IS NULL THEN 'OPEN' ELSE 'OVERDUE' END,
         answered_at = NULL, answer_message_id = NULL, answer_type = NULL,
         next_check_at = CASE WHEN escalation_exhausted_at IS NULL THEN greatest(due_at, $3) END
       WHERE answer_message_id = $1 AND owed_to = $2 AND status = 'ANSWERED'`,
      [answerId, owedTo, now],
    );
  }

  /** Our answer was refused because the asking country's case takes it no more: nothing is owed. */
  async cancelRejectedAnswer(
    manager: EntityManager,
    answerId: string,
    owedTo: string,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE expectations SET status = 'CANCELLED', cancelled_at = $3, cancel_reason = 'ANSWER_REFUSED',
         next_check_at = NULL
       WHERE answer_message_id = $1 AND owed_to = $2 AND status = 'ANSWERED'`,
      [answerId, owedTo, at],
    );
  }

  /** The expectation due longest ago whose deadline or escalation period has passed, locked; other instances skip it. */
  async claimNextDue(manager: EntityManager, now: Date): Promise<ExpectationEntity | null> {
    return (
      manager
        .createQueryBuilder(ExpectationEntity, 'e')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where('e.next_check_at <= :now', { now })
        .andWhere('e.status IN (:...open)', { open: OPEN })
        .orderBy('e.next_check_at', 'ASC')
        // getOne() alone adds no LIMIT: without it every due row would be locked.
        .limit(1)
        .getOne()
    );
  }

  async applyOverdueChange(manager: EntityManager, id: string, change: OverdueChange): Promise<void> {
    await manager.update(ExpectationEntity, { id }, change);
  }

  /** A page of expectations by deadline, earliest first (the id breaks ties). */
  async list(
    manager: EntityManager,
    filter: { status?: ExpectationStatus; direction?: ExpectationDirection; caseRef?: string },
    page: { limit?: number; after?: string },
  ): Promise<Page<ExpectationEntity>> {
    const query = manager.createQueryBuilder(ExpectationEntity, 'e');
    if (filter.status) query.andWhere('e.status = :status', { status: filter.status });
    if (filter.direction) query.andWhere('e.direction = :direction', { direction: filter.direction });
    if (filter.caseRef) query.andWhere('e.case_ref = :caseRef', { caseRef: filter.caseRef });
    return keysetPage(
      query,
      [
        { sql: 'e.due_at', type: 'timestamptz', of: (e) => e.dueAt },
        { sql: 'e.id', type: 'uuid', of: (e) => e.id },
      ],
      'ASC',
      page,
    );
  }
}
