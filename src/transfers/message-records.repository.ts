import { isUUID } from 'class-validator';
import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull, Not, MoreThan } from 'typeorm';
import type { CaseMessageFact } from '../cases/case-lifecycle.policy';
import type { MessageType } from '../messages/message-types';
import { reportsRelease } from '../messages/payloads/proceedings.dto';
import { MessageRecordEntity } from './message-record.entity';
import type { ReceivedRestrictions } from './use-restriction.policy';

export type NewMessageRecord = Pick<
  MessageRecordEntity,
  | 'id'
  | 'caseRef'
  | 'direction'
  | 'type'
  | 'counterpart'
  | 'inReplyTo'
  | 'legalBasis'
  | 'consent'
  | 'payload'
  | 'status'
> &
  Partial<
    Pick<
      MessageRecordEntity,
      'reasonCode' | 'reason' | 'rejectedAt' | 'submittedBy' | 'restrictions' | 'language'
    >
  >;

@Injectable()
export class MessageRecordsRepository {
  /** Returns the row as stored, without reading it back. */
  async insert(
    manager: EntityManager,
    record: NewMessageRecord,
    now = new Date(),
  ): Promise<MessageRecordEntity> {
    const [row] = await this.insertMany(manager, [record], now);
    return row;
  }

  /** One multi-row INSERT (an inbound batch's messages and receipts); the rows as stored, in order. */
  async insertMany(
    manager: EntityManager,
    records: NewMessageRecord[],
    now = new Date(),
  ): Promise<MessageRecordEntity[]> {
    const rows: MessageRecordEntity[] = records.map((record) => ({
      restrictions: null,
      reasonCode: null,
      reason: null,
      rejectedAt: null,
      submittedBy: null,
      language: null,
      ...record,
      createdAt: now,
      updatedAt: now,
      sentAt: null,
      deliveredAt: null,
    }));
    if (rows.length > 0) await manager.insert(MessageRecordEntity, rows);
    return rows;
  }

  /** The restrictions each accepted message on the case carried, with its sender (use-restriction.policy). */
  async receivedRestrictions(manager: EntityManager, caseRef: string): Promise<ReceivedRestrictions[]> {
    const rows = await manager.find(MessageRecordEntity, {
      select: { counterpart: true, restrictions: true },
      where: { caseRef, direction: 'INBOUND', status: 'ACCEPTED', restrictions: Not(IsNull()) },
    });
    return rows.map((row) => ({ from: row.counterpart, restrictions: row.restrictions ?? [] }));
  }

  async find(manager: EntityManager, id: string): Promise<MessageRecordEntity | null> {
    return manager.findOne(MessageRecordEntity, { where: { id } });
  }

  async forCase(manager: EntityManager, caseRef: string): Promise<MessageRecordEntity[]> {
    return manager.find(MessageRecordEntity, { where: { caseRef }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * The case's messages as the case lifecycle reads them: sent or accepted (a message the peer rejected never
   * happened), with only the `accepted` and `eligible` of a confirmation from the payload.
   */
  async lifecycleHistory(manager: EntityManager, caseRef: string): Promise<CaseMessageFact[]> {
    // Through the entity, not raw SQL on the payload column: whatever reads payloads (e.g. decryption) applies.
    const rows = await manager.find(MessageRecordEntity, {
      select: { id: true, type: true, direction: true, counterpart: true, payload: true },
      where: { caseRef, status: Not('REJECTED' as const) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map((row) => {
      const payload = (row.payload ?? {}) as Record<string, unknown>;
      const { accepted, eligible } = payload;
      return {
        id: row.id,
        type: row.type as MessageType,
        direction: row.direction === 'OUTBOUND' ? 'SENT' : 'RECEIVED',
        counterpart: row.counterpart,
        accepted: typeof accepted === 'boolean' ? accepted : null,
        eligible: typeof eligible === 'boolean' ? eligible : null,
        release: row.type === 'PROCEEDINGS_STATUS' && reportsRelease(payload),
      };
    });
  }

  /**
   * Whether `alertId` is an EMERGENCY_ALERT on the case that went on VITAL_INTEREST between this node and
   * `counterpart`, in `direction` (RECEIVED: from it; SENT: to it), and was not rejected.
   */
  async isVitalInterestAlert(
    manager: EntityManager,
    caseRef: string,
    alertId: string | null,
    counterpart: string,
    direction: 'SENT' | 'RECEIVED',
  ): Promise<boolean> {
    if (!alertId || !isUUID(alertId, 'all')) return false;
    return manager.exists(MessageRecordEntity, {
      where: {
        id: alertId,
        caseRef,
        type: 'EMERGENCY_ALERT',
        legalBasis: 'VITAL_INTEREST',
        counterpart,
        direction: direction === 'SENT' ? 'OUTBOUND' : 'INBOUND',
        status: Not('REJECTED' as const),
      },
    });
  }

  /** The countries whose part of the case is closed: a CASE_CLOSED sent to or accepted from each. */
  /** `since`: the case was reopened then, and the CASE_CLOSED exchanged before it no longer count. */
  async closedCounterparts(
    manager: EntityManager,
    caseRef: string,
    since: Date | null = null,
  ): Promise<string[]> {
    const rows = await manager.find(MessageRecordEntity, {
      select: { counterpart: true },
      where: {
        caseRef,
        type: 'CASE_CLOSED',
        status: Not('REJECTED' as const),
        ...(since ? { createdAt: MoreThan(since) } : {}),
      },
    });
    return [...new Set(rows.map((row) => row.counterpart))];
  }

  /** Our outbound messages on the case still QUEUED under a consent (by its id), except the given types. */
  async queuedUnderConsent(
    manager: EntityManager,
    caseRef: string,
    consentId: string,
    exceptTypes: readonly string[],
  ): Promise<Array<{ id: string; type: string; counterpart: string }>> {
    return manager.query(
      `SELECT id, type, counterpart FROM messages
       WHERE case_ref = $1 AND direction = 'OUTBOUND' AND status = 'QUEUED'
         AND consent->>'consentId' = $2 AND type <> ALL($3::text[])
       ORDER BY created_at, id`,
      [caseRef, consentId, [...exceptTypes]],
    );
  }

  /**
   * A queued message that will never be published (its outbox row is gone): REJECTED by this node itself,
   * with the reason. It never left, so nothing else counts it (lifecycle, closed countries).
   */
  async markCancelled(
    manager: EntityManager,
    ids: string[],
    cancellation: { reasonCode: string; reason: string },
  ): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `UPDATE messages SET status = 'REJECTED', rejected_at = now(), reason_code = $2, reason = $3, updated_at = now()
       WHERE id = ANY($1::uuid[]) AND status = 'QUEUED'`,
      [ids, cancellation.reasonCode, cancellation.reason],
    );
  }

  /** QUEUED → SENT once the broker confirmed; a receipt that raced ahead has already moved it further. */
  async markSent(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `UPDATE messages SET status = 'SENT', sent_at = now(), updated_at = now()
       WHERE id = ANY($1::uuid[]) AND status = 'QUEUED'`,
      [ids],
    );
  }

  /** Applies a peer's rejection to one of our outbound messages; returns it if it changed. */
  async settleRejected(
    manager: EntityManager,
    id: string,
    counterpart: string,
    rejection: { reasonCode: string; reason: string },
  ): Promise<SettledMessage | null> {
    // RETURNING only plain columns: no read-back, and nothing a column transformer would have to decode.
    const rows: unknown[] = await manager.query(
      `UPDATE messages SET status = 'REJECTED', rejected_at = now(), reason_code = $3, reason = $4,
         sent_at = coalesce(sent_at, now()), updated_at = now()
       WHERE id = $1 AND direction = 'OUTBOUND' AND counterpart = $2 AND status IN ('QUEUED', 'SENT')
       RETURNING id, case_ref AS "caseRef", type`,
      [id, counterpart, rejection.reasonCode, rejection.reason],
    );
    // TypeORM's postgres driver answers an UPDATE with [rows, count].
    const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as SettledMessage[];
    return updated[0] ?? null;
  }

  /**
   * Applies a batch's receipts, in one statement: each pair (our message, the peer that answered) delivered. Returns the messages it changed, in no particular order.
   */
  async settleDeliveredMany(
    manager: EntityManager,
    answered: Array<{ id: string; counterpart: string }>,
  ): Promise<SettledMessage[]> {
    if (answered.length === 0) return [];
    const rows: unknown[] = await manager.query(
      `UPDATE messages m SET status = 'DELIVERED', delivered_at = now(), sent_at = coalesce(m.sent_at, now()),
         updated_at = now()
       FROM unnest($1::uuid[], $2::text[]) AS a(id, counterpart)
       WHERE m.id = a.id AND m.direction = 'OUTBOUND' AND m.counterpart = a.counterpart
         AND m.status IN ('QUEUED', 'SENT')
       RETURNING m.id, m.case_ref AS "caseRef", m.type`,
      [answered.map((a) => a.id), answered.map((a) => a.counterpart)],
    );
    // TypeORM's postgres driver answers an UPDATE with [rows, count].
    return (Array.isArray(rows[0]) ? rows[0] : rows) as SettledMessage[];
  }
}

/** What the audit entry of a settled message names. */
export interface SettledMessage {
  id: string;
  caseRef: string | null;
  type: string;
}
