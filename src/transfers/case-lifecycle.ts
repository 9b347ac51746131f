import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { CaseEntity } from '../cases/case.entity';
import { asylumClaimPending } from '../cases/case-facts.policy';
import { CaseFactsService } from '../cases/case-facts.service';
import {
  CaseMessageFact,
  isClosedWith,
  LifecycleDecision,
  LifecycleEvent,
  needsCaseFacts,
  needsHistory,
} from '../cases/case-lifecycle.policy';
import { CasesService } from '../cases/cases.service';
import { MessageRecordsRepository } from './message-records.repository';

/**
 * The one entry to the case lifecycle for both directions: what this node sends and what it receives are
 * decided by the same rules over the same facts. Loads the closed parts of the case and, only when the
 * decision reads them, its earlier messages, then asks the pure policy (src/cases/case-lifecycle.policy.ts).
 */
@Injectable()
export class CaseLifecycle {
  constructor(
    private readonly caseService: CasesService,
    private readonly records: MessageRecordsRepository,
    private readonly facts: CaseFactsService,
  ) {}

  /** `caseRow` is locked by the caller's transaction (`manager`). */
  async decide(
    manager: EntityManager,
    caseRow: CaseEntity,
    event: LifecycleEvent,
  ): Promise<LifecycleDecision> {
    const closedWith = await this.records.closedCounterparts(manager, caseRow.caseRef, caseRow.reopenedAt);
    const closed = isClosedWith({ status: caseRow.status, closedWith }, event.counterpart);
    const history = needsHistory(event.type, closed)
      ? await this.records.lifecycleHistory(manager, caseRow.caseRef)
      : [];
    const asylum = needsCaseFacts(event.type, event.direction)
      ? asylumClaimPending(await this.facts.stateWithin(manager, caseRow.caseRef, new Date()))
      : false;
    return this.caseService.decide(caseRow, event, history, closedWith, asylum);
  }

  /**
   * For many events on one case (what may be composed now): loads every fact once; the earlier messages are
   * returned too, for the caller to pick the requests an answer could name.
   */
  async judge(
    manager: EntityManager,
    caseRow: CaseEntity,
  ): Promise<{ decide: (event: LifecycleEvent) => LifecycleDecision; history: CaseMessageFact[] }> {
    const closedWith = await this.records.closedCounterparts(manager, caseRow.caseRef, caseRow.reopenedAt);
    const history = await this.records.lifecycleHistory(manager, caseRow.caseRef);
    const asylum = asylumClaimPending(await this.facts.stateWithin(manager, caseRow.caseRef, new Date()));
    return {
      decide: (event) =>
        this.caseService.decide(
          caseRow,
          event,
          history,
          closedWith,
          needsCaseFacts(event.type, event.direction) && asylum,
        ),
      history,
    };
  }
}
