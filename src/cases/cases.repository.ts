import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { updateEncrypted } from '../crypto/encrypted-column';
import { AgeStatus, CaseEntity } from './case.entity';

@Injectable()
export class CasesRepository {
  async find(manager: EntityManager, caseRef: string): Promise<CaseEntity | null> {
    return manager.findOne(CaseEntity, { where: { caseRef } });
  }

  /** Locks the case row, so two changes to one case never interleave. */
  async findForUpdate(manager: EntityManager, caseRef: string): Promise<CaseEntity | null> {
    return manager.findOne(CaseEntity, { where: { caseRef }, lock: { mode: 'pessimistic_write' } });
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
    facts: { ageStatus?: AgeStatus; identificationStatus?: string },
  ): Promise<void> {
    await manager.update(CaseEntity, { caseRef }, { ...facts, updatedAt: new Date() });
  }

  /** The lifecycle's own columns (roles, phases, managers, guardian) and the age status. */
  async update(
    manager: EntityManager,
    caseRef: string,
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
    const found = await manager.findOne(CaseEntity, { where: { caseRef }, select: { id: true } });
    if (!found) return;
    // Managers and guardian are encrypted for the row: the update goes by its primary key.
    await updateEncrypted(manager, CaseEntity, found.id, { ...changes, updatedAt: new Date() });
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

  async close(manager: EntityManager, caseRef: string): Promise<void> {
    await manager.query(
      `UPDATE cases SET status = 'CLOSED', closed_at = now(), updated_at = now() WHERE case_ref = $1 AND status = 'OPEN'`,
      [caseRef],
    );
  }
}
