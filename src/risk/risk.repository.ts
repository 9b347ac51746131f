import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import type { Page } from '../common/page';
import { keysetPage } from '../database/keyset-page';
import type { AssessmentFacts, OverrideFacts } from './risk.policy';
import { RiskAssessmentEntity } from './risk-assessment.entity';
import { RiskOverrideEntity } from './risk-override.entity';

export type NewAssessment = Omit<RiskAssessmentEntity, 'id' | 'recordedAt' | 'reviewRequiredAt'>;

@Injectable()
export class RiskRepository {
  async insert(manager: EntityManager, assessment: NewAssessment): Promise<RiskAssessmentEntity> {
    const saved = await manager.insert(RiskAssessmentEntity, assessment);
    return (await manager.findOne(RiskAssessmentEntity, {
      where: { id: saved.identifiers[0].id as string },
    }))!;
  }

  async forCase(manager: EntityManager, caseRef: string): Promise<RiskAssessmentEntity[]> {
    return manager.find(RiskAssessmentEntity, { where: { caseRef }, order: { assessedAt: 'DESC' } });
  }

  /** Newest assessment first, a page at a time (the id breaks ties of time). */
  async pageForCase(
    manager: EntityManager,
    caseRef: string,
    page: { limit?: number; after?: string },
  ): Promise<Page<RiskAssessmentEntity>> {
    const query = manager
      .createQueryBuilder(RiskAssessmentEntity, 'a')
      .where('a.case_ref = :caseRef', { caseRef });
    return keysetPage(
      query,
      [
        { sql: 'a.assessed_at', type: 'timestamptz', of: (a) => a.assessedAt },
        { sql: 'a.id', type: 'uuid', of: (a) => a.id },
      ],
      'DESC',
      page,
    );
  }

  async overridesForCase(manager: EntityManager, caseRef: string): Promise<RiskOverrideEntity[]> {
    return manager.find(RiskOverrideEntity, { where: { caseRef }, order: { createdAt: 'DESC' } });
  }

  /** The override under a row lock, so two confirmations cannot race. */
  async findOverrideForUpdate(
    manager: EntityManager,
    caseRef: string,
    id: string,
  ): Promise<RiskOverrideEntity | null> {
    return manager.findOne(RiskOverrideEntity, {
      where: { caseRef, id },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async confirmOverride(manager: EntityManager, id: string, confirmedBy: string): Promise<void> {
    await manager.update(RiskOverrideEntity, { id }, { confirmedBy, confirmedAt: () => 'now()' });
  }

  async insertOverride(
    manager: EntityManager,
    override: Omit<RiskOverrideEntity, 'id' | 'createdAt' | 'confirmedBy' | 'confirmedAt'>,
  ): Promise<RiskOverrideEntity> {
    const saved = await manager.insert(RiskOverrideEntity, override);
    return (await manager.findOne(RiskOverrideEntity, { where: { id: saved.identifiers[0].id as string } }))!;
  }

  /** Marks every current assessment of the case as due for review; returns how many. */
  async requireReview(manager: EntityManager, caseRef: string): Promise<number> {
    const result = await manager.update(
      RiskAssessmentEntity,
      { caseRef, reviewRequiredAt: IsNull() },
      { reviewRequiredAt: () => 'now()' },
    );
    return result.affected ?? 0;
  }
}

export function toAssessmentFacts(a: RiskAssessmentEntity): AssessmentFacts {
  return {
    id: a.id,
    country: a.country,
    level: a.level,
    factors: a.factors,
    protectionPlan: a.protectionPlan,
    complete: a.complete,
    assessedAt: a.assessedAt,
    validUntil: a.validUntil,
    reviewRequiredAt: a.reviewRequiredAt,
    recordedAt: a.recordedAt,
  };
}

export function toOverrideFacts(o: RiskOverrideEntity): OverrideFacts {
  return { assessmentId: o.assessmentId, messageType: o.messageType, confirmed: o.confirmedBy !== null };
}
