import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Effects } from '../common/effects';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import {
  AsylumClaimFact,
  CaseFactBody,
  CaseFactsState,
  decideAsylumClaim,
  decideReflectionExtension,
  decideReflectionStart,
  decideThreat,
  FactDecision,
  foldCaseFacts,
  ReflectionExtensionFact,
  ThreatFact,
} from './case-facts.policy';
import { decideReopen } from './case-lifecycle.policy';
import { CaseEntity } from './case.entity';
import { CaseError, CaseErrorCode } from './case.errors';
import { CaseFactsRepository } from './case-facts.repository';
import { CasesRepository } from './cases.repository';

/**
 * The facts a coordinator records on a case for the gates to read (asylum claim, reflection period, threats)
 * and the reopening of a closed case. Each is appended to the case's facts and audited in one transaction
 * under the case's row lock; the audit entry names the fact by id, never its content.
 */
@Injectable()
export class CaseFactsService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly facts: CaseFactsRepository,
    private readonly audit: AuditService,
    private readonly effects: Effects,
  ) {}

  /** The case's facts now, for a read already audited (the case file's). */
  async view(caseRef: string, now = new Date()): Promise<CaseFactsState> {
    return this.stateWithin(this.dataSource.manager, caseRef, now);
  }

  /** The case's facts tell of the person (an asylum claim, threats): the read is audited. */
  async read(caseRef: string, actor: string): Promise<CaseFactsState> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.cases.find(manager, caseRef)))
        throw new CaseError(CaseErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      const entries = await this.facts.forCase(manager, caseRef);
      await this.audit.record(manager, {
        action: 'PERSONAL_DATA_READ',
        actor,
        caseRef,
        details: { read: 'case-facts', records: entries.length },
      });
      return foldCaseFacts(entries, new Date());
    });
  }

  /** The state of the case's facts for a gate, in the caller's transaction. */
  async stateWithin(manager: EntityManager, caseRef: string, now: Date): Promise<CaseFactsState> {
    return foldCaseFacts(await this.facts.forCase(manager, caseRef), now);
  }

  async recordAsylumClaim(caseRef: string, fact: AsylumClaimFact, actor: string): Promise<CaseFactsState> {
    return this.record(caseRef, actor, 'CASE_ASYLUM_CLAIM_RECORDED', (_state, now) => ({
      decision: decideAsylumClaim(fact, now),
      body: { kind: 'ASYLUM_CLAIM', fact },
    }));
  }

  /** The period's length is this country's (TRM_REFLECTION_PERIOD_DAYS) when it is recorded. */
  async startReflectionPeriod(caseRef: string, startOn: string, actor: string): Promise<CaseFactsState> {
    return this.record(caseRef, actor, 'CASE_REFLECTION_PERIOD_STARTED', (state, now) => ({
      decision: decideReflectionStart(state, startOn, now),
      body: { kind: 'REFLECTION_PERIOD', fact: { startOn, days: this.config.reflectionPeriodDays } },
    }));
  }

  async extendReflectionPeriod(
    caseRef: string,
    fact: ReflectionExtensionFact,
    actor: string,
  ): Promise<CaseFactsState> {
    return this.record(caseRef, actor, 'CASE_REFLECTION_PERIOD_EXTENDED', (state) => ({
      decision: decideReflectionExtension(state),
      body: { kind: 'REFLECTION_EXTENSION', fact },
    }));
  }

  /** A threat makes the case's risk assessments due for review, in the same transaction (ThreatReviews). */
  async recordThreat(caseRef: string, fact: ThreatFact, actor: string): Promise<CaseFactsState> {
    return this.record(
      caseRef,
      actor,
      'CASE_THREAT_RECORDED',
      (_state, now) => ({ decision: decideThreat(fact, now), body: { kind: 'THREAT', fact } }),
      async (manager, factId, after) => {
        await this.effects.emit(manager, 'case.threat-reported', { caseRef, factId, actor });
        const threat = after.threats.find((t) => t.id === factId);
        return { duringReflectionPeriod: threat?.duringReflectionPeriod ?? false };
      },
    );
  }

  /** Closed → open again, with a reason (kept among the facts, not in the audit log). */
  async reopen(caseRef: string, reason: string, actor: string): Promise<CaseEntity> {
    return this.dataSource.transaction(async (manager) => {
      const found = await this.cases.findForUpdate(manager, caseRef);
      if (!found) throw new CaseError(CaseErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      const decision = decideReopen(found.status);
      if (!decision.allow) throw new CaseError(CaseErrorCode.CASE_STATE_CONFLICT, decision.reason);
      const factId = await this.facts.insert(manager, caseRef, { kind: 'REOPENED', fact: { reason } }, actor);
      await this.cases.reopen(manager, caseRef);
      await this.audit.record(manager, {
        action: 'CASE_REOPENED',
        actor,
        caseRef,
        details: { factId, closedAt: found.closedAt?.toISOString() ?? null },
      });
      return (await this.cases.find(manager, caseRef))!;
    });
  }

  /** One fact on an open case: decided on the facts so far, appended, audited; the facts after it. */
  private async record(
    caseRef: string,
    actor: string,
    action: string,
    decide: (state: CaseFactsState, now: Date) => { decision: FactDecision; body: CaseFactBody },
    after?: (
      manager: EntityManager,
      factId: string,
      state: CaseFactsState,
    ) => Promise<Record<string, unknown>>,
  ): Promise<CaseFactsState> {
    return this.dataSource.transaction(async (manager) => {
      const now = new Date();
      const found = await this.cases.findForUpdate(manager, caseRef);
      if (!found) throw new CaseError(CaseErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      if (found.status === 'CLOSED')
        throw new CaseError(
          CaseErrorCode.CASE_STATE_CONFLICT,
          `the case ${caseRef} is closed: reopen it first`,
        );
      const { decision, body } = decide(await this.stateWithin(manager, caseRef, now), now);
      if (!decision.allow) {
        throw new CaseError(
          decision.conflict ? CaseErrorCode.CASE_STATE_CONFLICT : CaseErrorCode.CHANGE_REFUSED,
          decision.reason,
        );
      }
      const factId = await this.facts.insert(manager, caseRef, body, actor);
      const state = await this.stateWithin(manager, caseRef, now);
      const extra = after ? await after(manager, factId, state) : {};
      await this.audit.record(manager, { action, actor, caseRef, details: { factId, ...extra } });
      return state;
    });
  }
}
