import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import type { Page } from '../common/page';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { RiskAssessmentEntity } from './risk-assessment.entity';
import { RiskOverrideEntity } from './risk-override.entity';
import {
  AssessmentView,
  OverrideStatusView,
  OverrideView,
  RecordAssessmentDto,
  RecordOverrideDto,
} from './risk.dto';
import { RiskError, RiskErrorCode } from './risk.errors';
import {
  AssessmentFacts,
  currentAssessment,
  decideOverrideConfirmation,
  isOverridable,
  OverrideConfirmationDecision,
} from './risk.policy';
import { NewAssessment, RiskRepository, toAssessmentFacts } from './risk.repository';

@Injectable()
export class RiskService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly risk: RiskRepository,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
  ) {}

  async record(caseRef: string, dto: RecordAssessmentDto, actor: string): Promise<AssessmentView> {
    const assessedAt = dto.assessedAt ? new Date(dto.assessedAt) : new Date();
    const validUntil = new Date(dto.validUntil);
    // A future date would make this assessment outrank every one recorded before that date.
    if (assessedAt.getTime() > Date.now() + this.config.maxClockSkewMs) {
      throw new RiskError(RiskErrorCode.INVALID_ASSESSMENT, 'assessedAt lies in the future', [
        { path: 'assessedAt', constraints: ['notInFuture: assessedAt must not be later than now'] },
      ]);
    }
    if (validUntil <= assessedAt) {
      throw new RiskError(RiskErrorCode.INVALID_ASSESSMENT, 'validUntil must be later than assessedAt');
    }
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.cases.findForUpdate(manager, caseRef))) {
        throw new RiskError(RiskErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      }
      const saved = await this.recordWithin(
        manager,
        {
          caseRef,
          country: this.config.country,
          level: dto.level,
          factors: dto.factors.map((f) => ({
            code: f.code,
            status: f.status,
            ...(f.evidence ? { evidence: f.evidence } : {}),
          })),
          summary: dto.summary,
          protectionPlan: dto.protectionPlan ?? null,
          complete: dto.complete,
          assessedBy: actor,
          assessedAt,
          validUntil,
          sourceMessageId: null,
        },
        actor,
      );
      return this.view(saved, await this.risk.forCase(manager, caseRef));
    });
  }

  /** Also used for RISK_ASSESSMENT_RESULT from a peer, inside the inbound transaction. */
  async recordWithin(
    manager: EntityManager,
    assessment: NewAssessment,
    actor: string,
  ): Promise<RiskAssessmentEntity> {
    const saved = await this.risk.insert(manager, assessment);
    await this.audit.record(manager, {
      action: 'RISK_ASSESSED',
      actor,
      caseRef: assessment.caseRef,
      messageId: assessment.sourceMessageId,
      counterpart: assessment.country === this.config.country ? null : assessment.country,
      details: {
        assessmentId: saved.id,
        level: saved.level,
        complete: saved.complete,
        country: saved.country,
      },
    });
    return saved;
  }

  /** Assessments hold evidence and protection plans: the read is audited like any personal data. */
  async list(
    caseRef: string,
    page: { limit?: number; after?: string },
    actor: string,
  ): Promise<Page<AssessmentView>> {
    return this.dataSource.transaction(async (manager) => {
      const { items, nextCursor } = await this.risk.pageForCase(manager, caseRef, page);
      // Which one governs depends on them all, not on the page.
      const all = await this.risk.forCase(manager, caseRef);
      await this.audit.record(manager, {
        action: 'PERSONAL_DATA_READ',
        actor,
        caseRef,
        details: { read: 'risk-assessments', records: items.length },
      });
      return { items: items.map((a) => this.view(a, all)), nextCursor };
    });
  }

  /**
   * At HIGH a coordinator may ask to let one message type through, with a written reason; CRITICAL never.
   * The override is pending until a second coordinator confirms it (confirmOverride): the gate ignores it.
   */
  async override(caseRef: string, dto: RecordOverrideDto, actor: string): Promise<OverrideView> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.cases.findForUpdate(manager, caseRef))) {
        throw new RiskError(RiskErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      }
      const current = this.current(await this.risk.forCase(manager, caseRef));
      if (!current || !isOverridable(current, dto.messageType)) {
        throw new RiskError(
          RiskErrorCode.NOT_OVERRIDABLE,
          current
            ? `the current assessment (${current.level}) leaves nothing to override for ${dto.messageType}: ` +
                'only HIGH, or below it a child’s family tracing with the family as a source of harm (RF-04), a return ' +
                'with the family tied to the trafficker (RF-05) or evidence contact with the origin with the family ' +
                'threatened there (RF-02), can be overridden'
            : 'there is no current assessment to override',
        );
      }
      const saved = await this.risk.insertOverride(manager, {
        caseRef,
        assessmentId: current.id,
        messageType: dto.messageType,
        reason: dto.reason,
        overriddenBy: actor,
      });
      await this.audit.record(manager, {
        action: 'RISK_OVERRIDE_REQUESTED',
        actor,
        caseRef,
        messageType: dto.messageType,
        details: { assessmentId: current.id, overrideId: saved.id, level: current.level },
      });
      return toOverrideView(saved);
    });
  }

  /**
   * The second pair of eyes: another coordinator confirms a pending override, which the risk gate then
   * counts. The requester's own attempt is refused and audited (DENY), in a transaction of its own.
   */
  async confirmOverride(caseRef: string, id: string, actor: string): Promise<OverrideView> {
    type Outcome =
      | { saved: RiskOverrideEntity }
      | { found: RiskOverrideEntity; decision: Extract<OverrideConfirmationDecision, { allow: false }> };
    const outcome = await this.dataSource.transaction(async (manager): Promise<Outcome> => {
      if (!(await this.cases.findForUpdate(manager, caseRef))) {
        throw new RiskError(RiskErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      }
      const found = await this.risk.findOverrideForUpdate(manager, caseRef, id);
      if (!found)
        throw new RiskError(RiskErrorCode.OVERRIDE_NOT_FOUND, `no override ${id} on case ${caseRef}`);
      const decision = decideOverrideConfirmation({
        override: {
          assessmentId: found.assessmentId,
          messageType: found.messageType,
          requestedBy: found.overriddenBy,
          confirmedBy: found.confirmedBy,
        },
        confirmer: actor,
        current: this.current(await this.risk.forCase(manager, caseRef)),
      });
      if (!decision.allow) return { found, decision };
      await this.risk.confirmOverride(manager, found.id, actor);
      await this.audit.record(manager, {
        action: 'RISK_OVERRIDE_CONFIRMED',
        actor,
        caseRef,
        messageType: found.messageType,
        decision: 'ALLOW',
        details: { assessmentId: found.assessmentId, overrideId: found.id, requestedBy: found.overriddenBy },
      });
      return { saved: (await this.risk.findOverrideForUpdate(manager, caseRef, id))! };
    });
    if ('saved' in outcome) return toOverrideView(outcome.saved);
    const { found, decision } = outcome;
    await this.audit.record(this.dataSource.manager, {
      action: 'RISK_OVERRIDE_CONFIRMATION_REFUSED',
      actor,
      caseRef,
      messageType: found.messageType,
      decision: 'DENY',
      reasonCode: decision.code,
      details: { assessmentId: found.assessmentId, overrideId: found.id, requestedBy: found.overriddenBy },
    });
    throw new RiskError(RiskErrorCode[decision.code], decision.message);
  }

  /** The case's overrides with their status, for the case file: actor names, never the written reason. */
  async overrideStatuses(caseRef: string): Promise<OverrideStatusView[]> {
    const all = await this.risk.overridesForCase(this.dataSource.manager, caseRef);
    return all.map(toOverrideStatusView);
  }

  /** The assessment the risk gate uses now (src/risk/risk.policy.ts). */
  private current(all: RiskAssessmentEntity[]): AssessmentFacts | null {
    return currentAssessment(
      all.map(toAssessmentFacts),
      this.config.country,
      new Date(),
      this.config.maxClockSkewMs,
    );
  }

  private view(a: RiskAssessmentEntity, all: RiskAssessmentEntity[]): AssessmentView {
    const current = this.current(all);
    return {
      id: a.id,
      caseRef: a.caseRef,
      country: a.country,
      level: a.level,
      factors: a.factors,
      summary: a.summary,
      protectionPlan: a.protectionPlan,
      complete: a.complete,
      assessedBy: a.assessedBy,
      assessedAt: a.assessedAt.toISOString(),
      validUntil: a.validUntil.toISOString(),
      reviewRequiredAt: a.reviewRequiredAt?.toISOString() ?? null,
      sourceMessageId: a.sourceMessageId,
      current: current?.id === a.id,
    };
  }
}

export function toOverrideStatusView(o: RiskOverrideEntity): OverrideStatusView {
  return {
    id: o.id,
    assessmentId: o.assessmentId,
    messageType: o.messageType,
    status: o.confirmedBy === null ? 'PENDING_CONFIRMATION' : 'CONFIRMED',
    requestedBy: o.overriddenBy,
    requestedAt: o.createdAt.toISOString(),
    confirmedBy: o.confirmedBy,
    confirmedAt: o.confirmedAt?.toISOString() ?? null,
  };
}

export function toOverrideView(o: RiskOverrideEntity): OverrideView {
  return {
    ...toOverrideStatusView(o),
    caseRef: o.caseRef,
    reason: o.reason,
    overriddenBy: o.overriddenBy,
    createdAt: o.createdAt.toISOString(),
  };
}
