import type { CountryRole, PhaseStatus } from './case-lifecycle.policy';
import type { CaseStatus } from './case.entity';
import { CASE_REF } from '../common/validation';

/** The console's case search (GET /cases): every filter optional, all of them ANDed. */
export interface CaseListFilter {
  /** A reference or any part of one (`000123`, `TRM-MK-2026`). */
  caseRef?: string;
  status?: CaseStatus;
  /** With `phaseStatus`: that SOP has that status; alone: the case is in that SOP (ACTIVE). */
  sop?: number;
  /** Alone: any SOP has that status. */
  phaseStatus?: PhaseStatus;
  /** A country on the case (the owner, a counterpart, or one with a role). */
  country?: string;
  /** With `country`: that country's role; alone: this node's own role on the case. */
  role?: CountryRole;
  identificationStatus?: string;
  openedFrom?: Date;
  openedTo?: Date;
  activityFrom?: Date;
  activityTo?: Date;
}

/** Where the previous page ended: its last case's activity (to the microsecond) and reference. */
export interface CaseListCursor {
  at: string;
  caseRef: string;
}

export const CASE_LIST_MAX_LIMIT = 200;
export const CASE_LIST_DEFAULT_LIMIT = 50;

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Opaque to callers (base64url of a small JSON), so its shape may change without breaking a client. */
export function encodeCaseCursor(cursor: CaseListCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.caseRef])).toString('base64url');
}

/** null for anything this node did not hand out. */
export function decodeCaseCursor(token: string): CaseListCursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, caseRef] = value as unknown[];
    if (typeof at !== 'string' || typeof caseRef !== 'string') return null;
    if (!CURSOR_AT.test(at) || !CASE_REF.test(caseRef) || Number.isNaN(Date.parse(at))) return null;
    return { at, caseRef };
  } catch {
    return null;
  }
}

/**
 * The WHERE clause of a case list page as parameterised SQL over `cases c`: the filters, then the keyset
 * (strictly after the cursor in newest-activity-first order, the reference breaking ties).
 */
export function caseListWhere(
  self: string,
  filter: CaseListFilter,
  after: CaseListCursor | null,
): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const clauses: string[] = [];
  if (filter.caseRef) clauses.push(`strpos(c.case_ref, ${param(filter.caseRef)}) > 0`);
  if (filter.status) clauses.push(`c.status = ${param(filter.status)}`);
  if (filter.sop !== undefined) {
    const status = filter.phaseStatus ?? 'ACTIVE';
    // A SOP not listed has not started.
    clauses.push(
      status === 'NOT_STARTED'
        ? `coalesce(c.phases ->> ${param(String(filter.sop))}, 'NOT_STARTED') = 'NOT_STARTED'`
        : `c.phases ->> ${param(String(filter.sop))} = ${param(status)}`,
    );
  } else if (filter.phaseStatus) {
    clauses.push(
      filter.phaseStatus === 'NOT_STARTED'
        ? `(SELECT count(*) FROM jsonb_each_text(c.phases) p WHERE p.value <> 'NOT_STARTED') < 5`
        : `EXISTS (SELECT 1 FROM jsonb_each_text(c.phases) p WHERE p.value = ${param(filter.phaseStatus)})`,
    );
  }
  if (filter.country) {
    const country = param(filter.country);
    clauses.push(
      `(c.owner_country = ${country} OR ${country} = ANY (c.countries) OR c.country_roles ? ${country})`,
    );
  }
  if (filter.role)
    clauses.push(`c.country_roles ->> ${param(filter.country ?? self)} = ${param(filter.role)}`);
  if (filter.identificationStatus)
    clauses.push(`c.identification_status = ${param(filter.identificationStatus)}`);
  if (filter.openedFrom) clauses.push(`c.opened_at >= ${param(filter.openedFrom)}`);
  if (filter.openedTo) clauses.push(`c.opened_at < ${param(filter.openedTo)}`);
  if (filter.activityFrom) clauses.push(`c.last_activity_at >= ${param(filter.activityFrom)}`);
  if (filter.activityTo) clauses.push(`c.last_activity_at < ${param(filter.activityTo)}`);
  if (after)
    clauses.push(
      `(c.last_activity_at, c.case_ref) < (${param(after.at)}::timestamptz, ${param(after.caseRef)})`,
    );
  return { where: clauses.length > 0 ? clauses.join(' AND ') : 'true', params };
}
