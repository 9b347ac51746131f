import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import type { ExpectationDirection } from '../expectations/expectation.entity';
import { ExpectationEntity } from '../expectations/expectation.entity';

/** Each list of the worklist is capped: it is a home page, the full lists have their own routes. */
export const WORKLIST_LIMIT = 200;

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
  owed: ExpectationEntity[];
  awaited: ExpectationEntity[];
  unansweredReferrals: ExpectationEntity[];
  riskReviewDue: RiskReviewRow[];
  consentsExpiring: ExpiringConsentRow[];
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
    const [owed, awaited, riskReviewDue, consentsExpiring] = await Promise.all([
      this.pending('OWED'),
      this.pending('AWAITED'),
      this.riskReviewDue(new Date(now.getTime() + options.riskWithinDays * 86_400_000)),
      this.consentsExpiring(now, new Date(now.getTime() + options.consentWithinDays * 86_400_000)),
    ]);
    return {
      owed,
      awaited,
      unansweredReferrals: owed.filter((e) => e.requestType === 'REFERRAL_REQUEST'),
      riskReviewDue,
      consentsExpiring,
    };
  }

  /** Open and overdue expectations one way, earliest deadline (so every overdue one) first. */
  private pending(direction: ExpectationDirection): Promise<ExpectationEntity[]> {
    return this.dataSource.manager.find(ExpectationEntity, {
      where: { direction, status: In(['OPEN', 'OVERDUE']) },
      order: { dueAt: 'ASC', requestedAt: 'ASC' },
      take: WORKLIST_LIMIT,
    });
  }

  /** Open cases whose newest own assessment was flagged for review or is no longer valid by `until`. */
  private riskReviewDue(until: Date): Promise<RiskReviewRow[]> {
    return this.dataSource.query(
      `SELECT * FROM (
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
  private consentsExpiring(now: Date, until: Date): Promise<ExpiringConsentRow[]> {
    return this.dataSource.query(
      `SELECT r.case_ref AS "caseRef", r.id AS "consentId", r.given_by AS "givenBy", r.recipients,
              r.expires_at AS "expiresAt"
       FROM consent_records r JOIN cases c ON c.case_ref = r.case_ref AND c.status = 'OPEN'
       WHERE r.withdrawn_at IS NULL AND r.expires_at >= $1 AND r.expires_at < $2
       ORDER BY r.expires_at, r.case_ref
       LIMIT ${WORKLIST_LIMIT}`,
      [now, until],
    );
  }
}
