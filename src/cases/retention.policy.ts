/**
 * Retention of cases (docs/retention.md): how long each status keeps a case before the retention pass
 * erases it, and what holds it. Pure rules; the service applies them.
 */
import type { CaseStatus } from './case.entity';

/** Why a case is kept beyond its retention period: codes only, never a person's details. */
export const LEGAL_HOLD_REASONS = [
  'CRIMINAL_PROCEEDINGS',
  'CIVIL_PROCEEDINGS',
  'COMPENSATION_CLAIM',
  'ASYLUM_OR_RESIDENCE_PROCEEDINGS',
  'COMPLAINT_OR_INQUIRY',
  'AUDIT',
] as const;
export type LegalHoldReason = (typeof LEGAL_HOLD_REASONS)[number];

/**
 * How an erasure came (its audit entry's reason code): the retention pass, two admins (four eyes), or the
 * erasure ledger at boot, the database having been restored from a backup taken before the erasure.
 */
export const ERASURE_TRIGGERS = ['RETENTION_EXPIRED', 'ADMIN_REQUEST', 'ERASED_BEFORE_RESTORE'] as const;
export type ErasureTrigger = (typeof ERASURE_TRIGGERS)[number];

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionFacts {
  status: CaseStatus;
  closedAt: Date | null;
  lastActivityAt: Date;
  legalHold: string | null;
  erasedAt: Date | null;
}

/**
 * When the case's retention period ends: a closed case `CLOSED` days after its closure, an open one `OPEN`
 * days after its last activity (0: never). Null: the period never ends, or the case is already erased.
 */
export function retentionEndsAt(facts: RetentionFacts, days: Record<CaseStatus, number>): Date | null {
  if (facts.erasedAt) return null;
  const kept = days[facts.status];
  if (kept <= 0) return null;
  const from = facts.status === 'CLOSED' ? facts.closedAt : facts.lastActivityAt;
  return from ? new Date(from.getTime() + kept * DAY_MS) : null;
}

/** Due for erasure at `now`: past its period, not erased, and no legal hold. */
export function isDueForErasure(facts: RetentionFacts, days: Record<CaseStatus, number>, now: Date): boolean {
  const endsAt = retentionEndsAt(facts, days);
  return facts.legalHold === null && endsAt !== null && endsAt.getTime() <= now.getTime();
}
