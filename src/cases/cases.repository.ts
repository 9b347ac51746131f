import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { CaseErasedError } from '../crypto/case-keys';
import { readCaseKeys, updateEncrypted } from '../crypto/encrypted-column';
import { CaseListCursor, caseListWhere, CaseListFilter } from './case-list';
import { AgeStatus, CaseEntity, CaseStatus } from './case.entity';
import type { CountryRole, Phases } from './case-lifecycle.policy';

/** A case as the console's list shows it: the case row's own facts, no person's data, nothing decrypted. */
export interface CaseSummaryRow {
  caseRef: string;
  status: CaseStatus;
  ownerCountry: string;
  countries: string[];
  countryRoles: Record<string, CountryRole>;
  phases: Phases;
  ageStatus: AgeStatus | null;
  identificationStatus: string | null;
  restrictedAt: Date | null;
  openedAt: Date;
  closedAt: Date | null;
  lastActivityAt: Date;
  /** last_activity_at to the microsecond, for the keyset cursor (a Date would lose the microseconds). */
  cursorAt: string;
}

@Injectable()
export class CasesRepository {
  async find(manager: EntityManager, caseRef: string): Promise<CaseEntity | null> {
    return manager.findOne(CaseEntity, { where: { caseRef } });
  }

  /**
   * Locks the case row, so two changes to one case never interleave. An erased case takes no change
   * (docs/retention.md): CaseErasedError, a 409 over HTTP and CASE_STATE_CONFLICT to a peer.
   */
  async findForUpdate(manager: EntityManager, caseRef: string): Promise<CaseEntity | null> {
    const found = await manager.findOne(CaseEntity, {
      where: { caseRef },
      lock: { mode: 'pessimistic_write' },
    });
    if (found?.erasedAt) throw new CaseErasedError(caseRef);
    return found;
  }

  /**
   * The rows of these cases that exist, locked for update in one statement, by case reference; for several
   * cases their keys are read first in one more (not one per row opened). An erased case's row is among them
   * (with `erasedAt`): the caller refuses it.
   */
  async findManyForUpdate(manager: EntityManager, caseRefs: string[]): Promise<Map<string, CaseEntity>> {
    if (caseRefs.length === 0) return new Map();
    if (caseRefs.length > 1) await readCaseKeys(manager, caseRefs);
    const rows = await manager.find(CaseEntity, {
      where: { caseRef: In(caseRefs) },
      order: { caseRef: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
    return new Map(rows.map((row) => [row.caseRef, row]));
  }

  /** TRM-<CC>-<year>-<6 digits>, gapless per year, safe under concurrency (the upsert serialises callers). */
  async nextCaseRef(manager: EntityManager, country: string, year: number): Promise<string> {
    const [row] = await manager.query(
      `INSERT INTO case_ref_counters (year, last_value) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last_value = case_ref_counters.last_value + 1
       RETURNING last_value`,
      [year],
    );
    const value = Number(row.last_value);
    if (value > 999_999) throw new Error(`case reference space for ${year} is exhausted`);
    return `TRM-${country}-${year}-${String(value).padStart(6, '0')}`;
  }

  /**
   * Inserts the case, or returns null when the reference is already taken: never the existing row, since
   * reusing a reference would merge two people's cases. Waits for a concurrent insert of the same reference.
   */
  async create(manager: EntityManager, caseRef: string, ownerCountry: string): Promise<CaseEntity | null> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(CaseEntity)
      .values({ caseRef, ownerCountry, countries: [], status: 'OPEN', managers: [] })
      .orIgnore()
      .returning(['caseRef'])
      .execute();
    const inserted = Array.isArray(result.raw) && result.raw.length > 0;
    return inserted ? this.findForUpdate(manager, caseRef) : null;
  }

  /** One page of the case list, newest activity first; one row more than `limit` says another page follows. */
  async list(
    manager: EntityManager,
    self: string,
    filter: CaseListFilter,
    after: CaseListCursor | null,
    limit: number,
  ): Promise<CaseSummaryRow[]> {
    const { where, params } = caseListWhere(self, filter, after);
    return manager.query(
      `SELECT c.case_ref AS "caseRef", c.status, c.owner_country AS "ownerCountry", c.countries,
              c.country_roles AS "countryRoles", c.phases, c.age_status AS "ageStatus",
              c.identification_status AS "identificationStatus", c.restricted_at AS "restrictedAt",
              c.opened_at AS "openedAt", c.closed_at AS "closedAt", c.last_activity_at AS "lastActivityAt",
              to_char(c.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
       FROM cases c WHERE ${where}
       ORDER BY c.last_activity_at DESC, c.case_ref DESC
       LIMIT ${Math.floor(limit) + 1}`,
      params,
    );
  }

  async addCountry(manager: EntityManager, caseRef: string, country: string): Promise<void> {
    await manager.query(
      `UPDATE cases SET countries = array_append(countries, $2::text), updated_at = now()
       WHERE case_ref = $1 AND NOT ($2::text = ANY(countries))`,
      [caseRef, country],
    );
  }

  async recordPersonFacts(
    manager: EntityManager,
    caseRef: string,
    facts: {
      ageStatus?: AgeStatus;
      identificationStatus?: string;
      sex?: string | null;
      ageBand?: string | null;
      exploitationTypes?: string[] | null;
    },
  ): Promise<void> {
    await manager.update(CaseEntity, { caseRef }, { ...facts, updatedAt: new Date() });
  }

  /**
   * The lifecycle's own columns (roles, phases, managers, guardian) and the age status, of the row the caller
   * holds under its lock: by its primary key, as its encrypted fields are bound to it.
   */
  async update(
    manager: EntityManager,
    row: Pick<CaseEntity, 'id'>,
    changes: Partial<
      Pick<
        CaseEntity,
        | 'countryRoles'
        | 'phases'
        | 'managers'
        | 'guardian'
        | 'ageStatus'
        | 'identificationStatus'
        | 'ownIdentificationStatus'
        | 'ownIdentificationAt'
      >
    >,
  ): Promise<void> {
    await updateEncrypted(manager, CaseEntity, row.id, { ...changes, updatedAt: new Date() });
  }

  async restrict(manager: EntityManager, caseRef: string): Promise<void> {
    await manager.query(`UPDATE cases SET restricted_at = now(), updated_at = now() WHERE case_ref = $1`, [
      caseRef,
    ]);
  }

  async liftRestriction(manager: EntityManager, caseRef: string): Promise<void> {
    await manager.query(
      `UPDATE cases SET restricted_at = NULL, updated_at = now() WHERE case_ref = $1 AND restricted_at IS NOT NULL`,
      [caseRef],
    );
  }

  /** Open again, from now: the CASE_CLOSED exchanged before no longer close any part of it. */
  async reopen(manager: EntityManager, caseRef: string): Promise<void> {
    await manager.query(
      `UPDATE cases SET status = 'OPEN', closed_at = NULL, reopened_at = now(), updated_at = now()
       WHERE case_ref = $1 AND status = 'CLOSED'`,
      [caseRef],
    );
  }

  async close(manager: EntityManager, caseRef: string): Promise<void> {
    await manager.query(
      `UPDATE cases SET status = 'CLOSED', closed_at = now(), updated_at = now() WHERE case_ref = $1 AND status = 'OPEN'`,
      [caseRef],
    );
  }
}
