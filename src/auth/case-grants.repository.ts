import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Page } from '../common/page';
import { keysetSql, type PageKey, pageOfRows } from '../database/keyset-page';

/**
 * Who a case is granted to: an auditor's account (to see its personal data), or an agency by its code (to
 * act on it over HTTP, with any of its accounts, and over AMQP, as its registered system).
 */
export type Grantee = { account: string } | { agency: string };

const column = (grantee: Grantee): { name: 'account' | 'agency'; value: string } =>
  'account' in grantee
    ? { name: 'account', value: grantee.account }
    : { name: 'agency', value: grantee.agency };

export interface GrantOnCase {
  grantee: 'auditor' | 'agency';
  /** The auditor's account name or the agency's code. */
  name: string;
  grantedAt: Date;
  grantedBy: string;
}

export interface KnownAgency {
  code: string;
  registered: boolean;
  accounts: number;
}

/** The `case_grants` table; every method runs in the caller's transaction. */
@Injectable()
export class CaseGrantsRepository {
  /** False when the grant already existed. */
  async grant(
    manager: EntityManager,
    grantee: Grantee,
    caseRef: string,
    grantedBy: string,
  ): Promise<boolean> {
    const { name, value } = column(grantee);
    const rows: unknown[] = await manager.query(
      `INSERT INTO case_grants (${name}, case_ref, granted_by) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING case_ref`,
      [value, caseRef, grantedBy],
    );
    return rows.length === 1;
  }

  /** False when there was no such grant. */
  async revoke(manager: EntityManager, grantee: Grantee, caseRef: string): Promise<boolean> {
    const { name, value } = column(grantee);
    const rows: unknown[] = await manager.query(
      `DELETE FROM case_grants WHERE ${name} = $1 AND case_ref = $2 RETURNING case_ref`,
      [value, caseRef],
    );
    // A DELETE answers [rows, affected count].
    return (rows[1] as number) === 1;
  }

  /** The one check of both agency paths (HTTP and AMQP) and of the auditors' case files. */
  async isGranted(manager: EntityManager, grantee: Grantee, caseRef: string): Promise<boolean> {
    const { name, value } = column(grantee);
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM case_grants WHERE ${name} = $1 AND case_ref = $2`,
      [value, caseRef],
    );
    return rows.length === 1;
  }

  /** The cases granted to a grantee, newest grant first: references and dates, nothing more. */
  /**
   * Newest grant first: `limit` + 1 rows after the cursor's (grantedAt, caseRef), so the caller knows whether
   * more follow. Times compared to the millisecond, as the cursor holds them.
   */
  async grantedTo(
    manager: EntityManager,
    grantee: Grantee,
    page: { after: { grantedAt: string; caseRef: string } | null; limit: number },
  ): Promise<Array<{ caseRef: string; grantedAt: Date }>> {
    const { name, value } = column(grantee);
    return manager.query(
      `SELECT case_ref AS "caseRef", granted_at AS "grantedAt" FROM case_grants WHERE ${name} = $1
         AND ($2::timestamptz IS NULL OR (date_trunc('milliseconds', granted_at), case_ref) < ($2::timestamptz, $3::text))
       ORDER BY date_trunc('milliseconds', granted_at) DESC, case_ref DESC LIMIT $4`,
      [value, page.after?.grantedAt ?? null, page.after?.caseRef ?? null, page.limit + 1],
    );
  }

  /**
   * Who a case is granted to, auditors (by account) and agencies (by code), oldest grant first, a page at a
   * time; an auditor and an agency of the same name granted at the same time are told apart by the grantee.
   */
  async grantsOn(
    manager: EntityManager,
    caseRef: string,
    page: { limit?: number; after?: string },
  ): Promise<Page<GrantOnCase>> {
    const keys: PageKey<GrantOnCase>[] = [
      { sql: '"grantedAt"', type: 'timestamptz', of: (g) => g.grantedAt },
      { sql: 'grantee', type: 'text', of: (g) => g.grantee },
      { sql: 'name', type: 'text', of: (g) => g.name },
    ];
    const { where, orderBy, limit, params } = keysetSql(keys, 'ASC', page, 2);
    const rows: GrantOnCase[] = await manager.query(
      `SELECT * FROM (
         SELECT CASE WHEN account IS NULL THEN 'agency' ELSE 'auditor' END AS grantee,
                coalesce(account, agency) AS name, granted_at AS "grantedAt", granted_by AS "grantedBy"
         FROM case_grants WHERE case_ref = $1) g
       WHERE ${where} ORDER BY ${orderBy} LIMIT ${limit + 1}`,
      [caseRef, ...params],
    );
    return pageOfRows(rows, keys, limit);
  }

  /**
   * The agencies this node knows (as `agencyKnown` does): registered systems and agencies of accounts, by
   * code, a page at a time.
   */
  async agencies(
    manager: EntityManager,
    page: { limit?: number; after?: string },
  ): Promise<Page<KnownAgency>> {
    const keys: PageKey<KnownAgency>[] = [{ sql: 'code', type: 'text', of: (a) => a.code }];
    const { where, orderBy, limit, params } = keysetSql(keys, 'ASC', page, 1);
    const rows: KnownAgency[] = await manager.query(
      `SELECT code, bool_or(registered) AS registered, sum(accounts)::int AS accounts FROM (
         SELECT code, true AS registered, 0 AS accounts FROM agencies
         UNION ALL
         SELECT agency, false, 1 FROM accounts WHERE agency IS NOT NULL
       ) known WHERE ${where} GROUP BY code ORDER BY ${orderBy} LIMIT ${limit + 1}`,
      params,
    );
    return pageOfRows(rows, keys, limit);
  }

  /** An agency this node knows: registered for AMQP (`agencies`) or the agency of an account. */
  async agencyKnown(manager: EntityManager, code: string): Promise<boolean> {
    const [row] = await manager.query(
      `SELECT EXISTS (SELECT 1 FROM agencies WHERE code = $1) OR EXISTS (SELECT 1 FROM accounts WHERE agency = $1)
         AS known`,
      [code],
    );
    return (row as { known: boolean }).known;
  }

  /** Whether the case exists on this node (read as a fact, without loading its encrypted row). */
  async caseKnown(manager: EntityManager, caseRef: string): Promise<boolean> {
    const [row] = await manager.query(`SELECT EXISTS (SELECT 1 FROM cases WHERE case_ref = $1) AS known`, [
      caseRef,
    ]);
    return (row as { known: boolean }).known;
  }
}
