import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CaseFactEntity } from './case-fact.entity';
import type { CaseFactBody, CaseFactEntry } from './case-facts.policy';

@Injectable()
export class CaseFactsRepository {
  /** Appends a fact in the caller's transaction; returns its id. */
  async insert(
    manager: EntityManager,
    caseRef: string,
    body: CaseFactBody,
    recordedBy: string,
  ): Promise<string> {
    const saved = await manager.insert(CaseFactEntity, {
      caseRef,
      kind: body.kind,
      fact: body.fact,
      recordedBy,
    });
    // A fact recorded changes the case: its activity (the case list's order) moves with updated_at.
    await manager.query(`UPDATE cases SET updated_at = now() WHERE case_ref = $1`, [caseRef]);
    return saved.identifiers[0].id as string;
  }

  /** Every fact of the case, oldest first. */
  async forCase(manager: EntityManager, caseRef: string): Promise<CaseFactEntry[]> {
    const rows = await manager.find(CaseFactEntity, {
      where: { caseRef },
      order: { recordedAt: 'ASC', id: 'ASC' },
    });
    return rows.map(
      (r) =>
        ({
          id: r.id,
          kind: r.kind,
          fact: r.fact,
          recordedBy: r.recordedBy,
          recordedAt: r.recordedAt,
        }) as CaseFactEntry,
    );
  }
}
