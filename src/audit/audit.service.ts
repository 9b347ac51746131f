import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AUDIT_ACTION_PATTERN, AuditAction, AuditDecision } from './audit-actions';
import { AuditError, AuditErrorCode } from './audit.errors';

export type { AuditAction, AuditDecision, KnownAuditAction } from './audit-actions';
export { AUDIT_ACTIONS } from './audit-actions';

export interface AuditRecord {
  /** A listed action (AUDIT_ACTIONS) or a new UPPER_SNAKE code. */
  action: AuditAction;
  /** A user (`api:<name>`), an agency, a peer country code, or `node:<CC>` for the node's own steps. */
  actor: string;
  caseRef?: string | null;
  messageId?: string | null;
  messageType?: string | null;
  /** The other country concerned: the peer a message goes to or comes from. */
  counterpart?: string | null;
  legalBasis?: string | null;
  decision?: AuditDecision | null;
  /** The first reason code of a decision (the full list goes in details.reasons). */
  reasonCode?: string | null;
  /** Ids, codes and counts only: never personal data. */
  details?: Record<string, unknown>;
}

const COLUMNS = 11;
/** A details object this large is not ids and codes any more; refusing it keeps payloads out of the log. */
const MAX_DETAILS_CHARS = 4000;

/**
 * The audit hook of every pipeline step. It writes through the caller's EntityManager, so an entry commits
 * or rolls back with the change it records. Writing is a plain insert with no lock and no hash: the
 * AuditSealer chains committed entries afterwards, so auditing never serialises the pipeline.
 */
@Injectable()
export class AuditService {
  async record(manager: EntityManager, entry: AuditRecord): Promise<void> {
    await this.recordMany(manager, [entry]);
  }

  async recordMany(manager: EntityManager, entries: AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date();
    const values: unknown[] = [];
    const rows: string[] = [];
    for (const entry of entries) {
      const details = JSON.stringify(entry.details ?? {}, (_, value: unknown) => storable(value));
      checkEntry(entry, details);
      const base = values.length;
      rows.push(`(${Array.from({ length: COLUMNS }, (_, i) => `$${base + i + 1}`).join(', ')})`);
      values.push(
        at,
        entry.action,
        storable(entry.actor),
        storable(entry.caseRef ?? null),
        storable(entry.messageId ?? null),
        storable(entry.messageType ?? null),
        storable(entry.counterpart ?? null),
        storable(entry.legalBasis ?? null),
        entry.decision ?? null,
        storable(entry.reasonCode ?? null),
        details,
      );
    }
    await manager.query(
      `INSERT INTO audit_log (at, action, actor, case_ref, message_id, message_type, counterpart, legal_basis,
         decision, reason_code, details)
       VALUES ${rows.join(', ')}`,
      values,
    );
  }
}

/**
 * PostgreSQL text cannot hold NUL, and a rejected message's id or type comes from whoever sent it: an entry
 * that failed to insert would leave the rejection unrecorded and the message redelivered forever. So NUL
 * becomes U+FFFD; everything else is kept as given.
 */
function storable<T>(value: T): T {
  return (
    typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value
  ) as T;
}

/** A programming error, caught in the caller's transaction so the change it would have recorded rolls back. */
function checkEntry(entry: AuditRecord, details: string): void {
  const problem = !AUDIT_ACTION_PATTERN.test(entry.action)
    ? `action ${JSON.stringify(entry.action.slice(0, 70))} is not an UPPER_SNAKE code`
    : !entry.actor
      ? 'an entry needs an actor'
      : entry.decision && entry.decision !== 'ALLOW' && entry.decision !== 'DENY'
        ? 'decision must be ALLOW or DENY'
        : details.length > MAX_DETAILS_CHARS
          ? `details exceed ${MAX_DETAILS_CHARS} characters: the audit log holds ids and codes only`
          : null;
  if (problem) throw new AuditError(AuditErrorCode.INVALID_ENTRY, problem);
}
