import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import type { ExpectationDirection } from '../expectations/expectation.entity';
import { ExpectationEntity } from '../expectations/expectation.entity';

/** Each list of the worklist is capped: it is a home page. Each says how many there are in all. */
export const WORKLIST_LIMIT = 200;

/** The first rows of a list, by its order, and how many it holds in all. */
export interface Capped<T> {
  rows: T[];
  total: number;
}

export interface RiskReviewRow {
  caseRef: string;
  assessmentId: string;
  level: string;
  assessedAt: Date;
  validUntil: Date;
  reviewRequiredAt: Date | null;
}

export interface ExpiringConsentRow {
  caseRef: string;
  consentId: string;
  givenBy: string;
  recipients: string[];
  expiresAt: Date;
}

export interface Worklist {
  owed: Capped<ExpectationEntity>;
  awaited: Capped<ExpectationEntity>;
  unansweredReferrals: Capped<ExpectationEntity>;
  riskReviewDue: Capped<RiskReviewRow>;
  consentsExpiring: Capped<ExpiringConsentRow>;
}

/**
 * The coordinator's home page (issue 12): what this country owes and awaits, by deadline (so the overdue
 * come first), referrals received and not answered, open cases whose own risk assessment needs review or
 * runs out, and consents about to expire. Reads only the case's facts: no person's data.
 */
@Injectable()
export class WorklistService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
  ) {}

  async worklist(
    options: { consentWithinDays: number; riskWithinDays: number },
    now = new Date(),
  ): Promise<Worklist> {
    const [owed, awaited, unansweredReferrals, riskReviewDue, consentsExpiring] = await Promise.all([
      this.pending('OWED'),
      this.pending('AWAITED'),
      // Its own query: filtered from the capped list of what is owed, a referral could fall off the end.
      this.pending('OWED', 'REFERRAL_REQUEST'),
      this.riskReviewDue(new Date(now.getTime() + options.riskWithinDays * 86_400_000)),
      this.consentsExpiring(now, new Date(now.getTime() + options.consentWithinDays * 86_400_000)),
    ]);
    return { owed, awaited, unansweredReferrals, riskReviewDue, consentsExpiring };
  }

  /** Open and overdue expectations one way, earliest deadline (so every overdue one) first. */
  private async pending(
    direction: ExpectationDirection,
    requestType?: string,
  ): Promise<Capped<ExpectationEntity>> {
    const [rows, total] = await this.dataSource.manager.findAndCount(ExpectationEntity, {
      where: { direction, status: In(['OPEN', 'OVERDUE']), ...(requestType ? { requestType } : {}) },
      order: { dueAt: 'ASC', requestedAt: 'ASC' },
      take: WORKLIST_LIMIT,
    });
    return { rows, total };
  }

  /** Open cases whose newest own assessment was flagged for review or is no longer valid by `until`. */
  private riskReviewDue(until: Date): Promise<Capped<RiskReviewRow>> {
    return this.capped(
      `SELECT *, count(*) OVER () AS total FROM (
         SELECT DISTINCT ON (a.case_ref) a.case_ref AS "caseRef", a.id AS "assessmentId", a.level,
                a.assessed_at AS "assessedAt", a.valid_until AS "validUntil",
                a.review_required_at AS "reviewRequiredAt"
         FROM risk_assessments a JOIN cases c ON c.case_ref = a.case_ref AND c.status = 'OPEN'
         WHERE a.country = $1
         ORDER BY a.case_ref, a.assessed_at DESC, a.recorded_at DESC) latest
       WHERE "reviewRequiredAt" IS NOT NULL OR "validUntil" < $2
       ORDER BY coalesce("reviewRequiredAt", "validUntil"), "caseRef"
       LIMIT ${WORKLIST_LIMIT}`,
      [this.config.country, until],
    );
  }

  /** Live consents on open cases that expire between now and `until`, soonest first. */
  private consentsExpiring(now: Date, until: Date): Promise<Capped<ExpiringConsentRow>> {
    return this.capped(
      `SELECT r.case_ref AS "caseRef", r.id AS "consentId", r.given_by AS "givenBy", r.recipients,
              r.expires_at AS "expiresAt", count(*) OVER () AS total
       FROM consent_records r JOIN cases c ON c.case_ref = r.case_ref AND c.status = 'OPEN'
       WHERE r.withdrawn_at IS NULL AND r.expires_at >= $1 AND r.expires_at < $2
       ORDER BY r.expires_at, r.case_ref
       LIMIT ${WORKLIST_LIMIT}`,
      [now, until],
    );
  }

  /** Runs a capped query whose rows carry `total` (a window count, taken before the limit). */
  private async capped<T>(sql: string, parameters: unknown[]): Promise<Capped<T>> {
    const found: Array<T & { total: string }> = await this.dataSource.query(sql, parameters);
    return {
      rows: found.map(({ total: _total, ...row }) => row as unknown as T),
      total: Number(found[0]?.total ?? 0),
    };
  }
}
