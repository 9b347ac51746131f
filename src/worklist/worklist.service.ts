import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Page } from '../common/page';
import { keysetSql, keysetPage, type PageKey, pageOfRows } from '../database/keyset-page';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import type { ExpectationDirection } from '../expectations/expectation.entity';
import { ExpectationEntity } from '../expectations/expectation.entity';

/** The first page of each list on the worklist, a home page; the rest follow by cursor. */
export const WORKLIST_LIMIT = 200;

/** A page of a list; the home page's first pages also say how many the list holds in all. */
export interface FirstPage<T> extends Page<T> {
  total: number | null;
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
  owed: FirstPage<ExpectationEntity>;
  awaited: FirstPage<ExpectationEntity>;
  unansweredReferrals: FirstPage<ExpectationEntity>;
  riskReviewDue: FirstPage<RiskReviewRow>;
  consentsExpiring: FirstPage<ExpiringConsentRow>;
}

export interface WorklistWindows {
  consentWithinDays: number;
  riskWithinDays: number;
}

type PageRequest = { limit?: number; after?: string };

/**
 * The coordinator's home page (issue 12): what this country owes and awaits, by deadline (so the overdue
 * come first), referrals received and not answered, open cases whose own risk assessment needs review or
 * runs out, and consents about to expire. Reads only the case's facts: no person's data. Each list is a
 * keyset page (issue 14): the home page shows the first of each with its total, `list` reads the next.
 */
@Injectable()
export class WorklistService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
  ) {}

  async worklist(windows: WorklistWindows, now = new Date()): Promise<Worklist> {
    const first = { limit: WORKLIST_LIMIT };
    const [owed, awaited, unansweredReferrals, riskReviewDue, consentsExpiring] = await Promise.all([
      this.pending('OWED', first, true),
      this.pending('AWAITED', first, true),
      // Its own query: filtered from the list of what is owed, a referral could be pages away.
      this.pending('OWED', first, true, 'REFERRAL_REQUEST'),
      this.riskReviewDue(windows, now, first, true),
      this.consentsExpiring(windows, now, first, true),
    ]);
    return { owed, awaited, unansweredReferrals, riskReviewDue, consentsExpiring };
  }

  /** The next pages of each list, after the cursor its previous page gave. */
  async expectations(
    list: 'owed' | 'awaited' | 'unanswered-referrals',
    page: PageRequest,
  ): Promise<Page<ExpectationEntity>> {
    if (list === 'unanswered-referrals') return this.pending('OWED', page, false, 'REFERRAL_REQUEST');
    return this.pending(list === 'owed' ? 'OWED' : 'AWAITED', page, false);
  }

  async riskReviews(
    windows: WorklistWindows,
    page: PageRequest,
    now = new Date(),
  ): Promise<Page<RiskReviewRow>> {
    return this.riskReviewDue(windows, now, page, false);
  }

  async expiringConsents(
    windows: WorklistWindows,
    page: PageRequest,
    now = new Date(),
  ): Promise<Page<ExpiringConsentRow>> {
    return this.consentsExpiring(windows, now, page, false);
  }

  /** Open and overdue expectations one way, earliest deadline (so every overdue one) first, ties by id. */
  private async pending(
    direction: ExpectationDirection,
    page: PageRequest,
    counted: boolean,
    requestType?: string,
  ): Promise<FirstPage<ExpectationEntity>> {
    const query = this.dataSource.manager
      .createQueryBuilder(ExpectationEntity, 'e')
      .where('e.direction = :direction', { direction })
      .andWhere("e.status IN ('OPEN', 'OVERDUE')");
    if (requestType) query.andWhere('e.request_type = :requestType', { requestType });
    const [total, found] = await Promise.all([
      counted ? query.clone().getCount() : Promise.resolve(null),
      keysetPage(
        query,
        [
          { sql: 'e.due_at', type: 'timestamptz', of: (e) => e.dueAt },
          { sql: 'e.id', type: 'uuid', of: (e) => e.id },
        ],
        'ASC',
        page,
      ),
    ]);
    return { ...found, total };
  }

  /** Open cases whose newest own assessment was flagged for review or is no longer valid in time. */
  private riskReviewDue(
    windows: WorklistWindows,
    now: Date,
    page: PageRequest,
    counted: boolean,
  ): Promise<FirstPage<RiskReviewRow>> {
    const until = new Date(now.getTime() + windows.riskWithinDays * 86_400_000);
    const keys: PageKey<RiskReviewRow>[] = [
      {
        sql: 'coalesce("reviewRequiredAt", "validUntil")',
        type: 'timestamptz',
        of: (r) => r.reviewRequiredAt ?? r.validUntil,
      },
      { sql: '"caseRef"', type: 'text', of: (r) => r.caseRef },
    ];
    return this.paged(
      keys,
      page,
      counted,
      (where, orderBy, limit) =>
        `SELECT * FROM (
           SELECT DISTINCT ON (a.case_ref) a.case_ref AS "caseRef", a.id AS "assessmentId", a.level,
                  a.assessed_at AS "assessedAt", a.valid_until AS "validUntil",
                  a.review_required_at AS "reviewRequiredAt"
           FROM risk_assessments a JOIN cases c ON c.case_ref = a.case_ref AND c.status = 'OPEN'
           WHERE a.country = $1
           ORDER BY a.case_ref, a.assessed_at DESC, a.recorded_at DESC) latest
         WHERE ("reviewRequiredAt" IS NOT NULL OR "validUntil" < $2) AND ${where}
         ORDER BY ${orderBy} LIMIT ${limit}`,
      [this.config.country, until],
    );
  }

  /** Live consents on open cases that expire between now and the window's end, soonest first. */
  private consentsExpiring(
    windows: WorklistWindows,
    now: Date,
    page: PageRequest,
    counted: boolean,
  ): Promise<FirstPage<ExpiringConsentRow>> {
    const until = new Date(now.getTime() + windows.consentWithinDays * 86_400_000);
    const keys: PageKey<ExpiringConsentRow>[] = [
      { sql: 'r.expires_at', type: 'timestamptz', of: (c) => c.expiresAt },
      { sql: 'r.id', type: 'uuid', of: (c) => c.consentId },
    ];
    return this.paged(
      keys,
      page,
      counted,
      (where, orderBy, limit) =>
        `SELECT r.case_ref AS "caseRef", r.id AS "consentId", r.given_by AS "givenBy", r.recipients,
                r.expires_at AS "expiresAt"
         FROM consent_records r JOIN cases c ON c.case_ref = r.case_ref AND c.status = 'OPEN'
         WHERE r.withdrawn_at IS NULL AND r.expires_at >= $1 AND r.expires_at < $2 AND ${where}
         ORDER BY ${orderBy} LIMIT ${limit}`,
      [now, until],
    );
  }

  /**
   * Runs a list's SQL for one keyset page (its parameters first, the cursor's after them) and, for the
   * home page, the same SQL without a limit counted.
   */
  private async paged<T>(
    keys: PageKey<T>[],
    page: PageRequest,
    counted: boolean,
    sql: (where: string, orderBy: string, limit: string) => string,
    parameters: unknown[],
  ): Promise<FirstPage<T>> {
    const keyset = keysetSql(keys, 'ASC', page, parameters.length + 1);
    const [rows, counts] = await Promise.all([
      this.dataSource.query(sql(keyset.where, keyset.orderBy, String(keyset.limit + 1)), [
        ...parameters,
        ...keyset.params,
      ]) as Promise<T[]>,
      counted
        ? (this.dataSource.query(
            `SELECT count(*)::int AS total FROM (${sql('true', '1', 'ALL')}) listed`,
            parameters,
          ) as Promise<Array<{ total: number | null }>>)
        : Promise.resolve([{ total: null }]),
    ]);
    return { ...pageOfRows(rows, keys, keyset.limit), total: counts[0].total };
  }
}
