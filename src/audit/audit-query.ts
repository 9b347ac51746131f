import type { AuditDecision } from './audit-actions';

/** What an auditor can filter the log by; every field is optional and they combine with AND. */
export interface AuditFilter {
  caseRef?: string;
  /** The counterpart country of the entry (the peer a message went to or came from). */
  country?: string;
  messageType?: string;
  decision?: AuditDecision;
  actor?: string;
  action?: string;
  /** Inclusive lower and exclusive upper bound on `at`. */
  from?: Date;
  to?: Date;
}

export interface AuditPageRequest extends AuditFilter {
  /** Keyset cursor: the seq of the last entry of the previous page. */
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
}

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/** The entry as the API shows it: the hashed fields, plus where it sits in the chain once sealed. */
export const ENTRY_SELECT = `
  a.seq::text AS seq,
  to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
  a.action, a.actor, a.case_ref AS "caseRef", a.message_id AS "messageId", a.message_type AS "messageType",
  a.counterpart, a.legal_basis AS "legalBasis", a.decision, a.reason_code AS "reasonCode", a.details,
  c.pos::text AS "chainPos", encode(c.hash, 'hex') AS hash`;

/**
 * One page of entries in (at, seq) order. Each filter has an index ending in (at, seq), so equality filters,
 * a time range and the cursor are one index range together. The cursor is a seq: its `at` is looked up by
 * primary key, which keeps the cursor a plain number for callers.
 */
export function entriesQuery(request: AuditPageRequest): SqlQuery {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = filterConditions(request, param);
  const descending = request.order === 'desc';
  if (request.after !== undefined) {
    const cursor = param(request.after);
    where.push(
      `(a.at, a.seq) ${descending ? '<' : '>'} ((SELECT at FROM audit_log WHERE seq = ${cursor}::bigint), ${cursor}::bigint)`,
    );
  }
  const direction = descending ? 'DESC' : 'ASC';
  return {
    text: `SELECT ${ENTRY_SELECT}
      FROM audit_log a LEFT JOIN audit_chain c ON c.entry_seq = a.seq
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY a.at ${direction}, a.seq ${direction}
      LIMIT ${param(request.limit)}`,
    values,
  };
}

function filterConditions(filter: AuditFilter, param: (value: unknown) => string): string[] {
  const where: string[] = [];
  if (filter.caseRef !== undefined) where.push(`a.case_ref = ${param(filter.caseRef)}`);
  if (filter.country !== undefined) where.push(`a.counterpart = ${param(filter.country)}`);
  if (filter.messageType !== undefined) where.push(`a.message_type = ${param(filter.messageType)}`);
  if (filter.actor !== undefined) where.push(`a.actor = ${param(filter.actor)}`);
  if (filter.action !== undefined) where.push(`a.action = ${param(filter.action)}`);
  // A literal, not a parameter, so the planner can match the partial index on DENY.
  if (filter.decision === 'ALLOW') where.push(`a.decision = 'ALLOW'`);
  if (filter.decision === 'DENY') where.push(`a.decision = 'DENY'`);
  if (filter.from !== undefined) where.push(`a.at >= ${param(filter.from)}`);
  if (filter.to !== undefined) where.push(`a.at < ${param(filter.to)}`);
  return where;
}
