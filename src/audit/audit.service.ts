import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditEntryEntity } from './audit-entry.entity';

export type AuditAction =
  | 'CASE_OPENED'
  | 'CASE_CLOSED'
  | 'MESSAGE_QUEUED'
  | 'MESSAGE_REFUSED'
  | 'MESSAGE_PUBLISHED'
  | 'MESSAGE_RECEIVED'
  | 'MESSAGE_REJECTED'
  | 'MESSAGE_DEAD_LETTERED'
  | 'DUPLICATE_RECEIVED'
  | 'RECEIPT_RECEIVED'
  | 'REJECTION_RECEIVED'
  | 'PERSONAL_DATA_READ'
  | 'CONSENT_RECORDED'
  | 'CONSENT_WITHDRAWN'
  | 'CASE_RESTRICTED'
  | 'RISK_ASSESSED'
  | 'RISK_OVERRIDDEN';

export interface AuditRecord {
  action: AuditAction;
  /** A user, an agency, a peer country code, or `node:<CC>` for the node's own steps. */
  actor: string;
  caseRef?: string | null;
  messageId?: string | null;
  messageType?: string | null;
  counterpart?: string | null;
  legalBasis?: string | null;
  decision?: 'ALLOW' | 'DENY' | null;
  reasonCode?: string | null;
  /** Ids, codes and counts only: never personal data. */
  details?: Record<string, unknown>;
}

/**
 * The audit hook of every pipeline step. It writes through the caller's EntityManager, so an entry commits
 * or rolls back with the change it records.
 */
@Injectable()
export class AuditService {
  async record(manager: EntityManager, entry: AuditRecord): Promise<void> {
    await this.recordMany(manager, [entry]);
  }

  async recordMany(manager: EntityManager, entries: AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date();
    await manager.insert(
      AuditEntryEntity,
      entries.map((entry) => ({
        at,
        action: entry.action,
        actor: entry.actor,
        caseRef: entry.caseRef ?? null,
        messageId: entry.messageId ?? null,
        messageType: entry.messageType ?? null,
        counterpart: entry.counterpart ?? null,
        legalBasis: entry.legalBasis ?? null,
        decision: entry.decision ?? null,
        reasonCode: entry.reasonCode ?? null,
        details: entry.details ?? {},
      })) as QueryDeepPartialEntity<AuditEntryEntity>[],
    );
  }

  async forCase(manager: EntityManager, caseRef: string): Promise<AuditEntryEntity[]> {
    return manager.find(AuditEntryEntity, { where: { caseRef }, order: { seq: 'ASC' } });
  }
}
