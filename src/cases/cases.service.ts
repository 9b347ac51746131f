import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import {
  ageStatusAfterMessage,
  CaseMessageFact,
  decideLifecycle,
  gateIdentificationStatus,
  identificationStatusAfterMessage,
  inferRoles,
  LifecycleChange,
  LifecycleDecision,
  LifecycleEvent,
  LifecycleState,
  nextState,
} from './case-lifecycle.policy';
import { AgeStatus, CaseEntity, CaseManager, isChildCase } from './case.entity';
import { CaseListCursor, CaseListFilter, encodeCaseCursor } from './case-list';
import { CasesRepository, CaseSummaryRow } from './cases.repository';
import { CaseFactsRepository } from './case-facts.repository';
import { statisticalCategories } from './statistical-categories';

@Injectable()
export class CasesService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
    private readonly facts: CaseFactsRepository,
  ) {}

  /** This node becomes the referring NCP and creates the transnational case reference. */
  async open(
    actor: string,
    facts: { ageStatus?: AgeStatus; identificationStatus?: string } = {},
    now = new Date(),
  ): Promise<CaseEntity> {
    return this.dataSource.transaction(async (manager) => {
      let caseRef = await this.cases.nextCaseRef(manager, this.config.country, now.getUTCFullYear());
      // A taken reference (a row made outside the counter, e.g. by a peer before such rows were refused) is
      // skipped, never reused: reusing it would put this person into someone else's case.
      while (!(await this.cases.create(manager, caseRef, this.config.country)))
        caseRef = await this.cases.nextCaseRef(manager, this.config.country, now.getUTCFullYear());
      if (facts.ageStatus || facts.identificationStatus)
        await this.cases.recordPersonFacts(manager, caseRef, facts);
      // The identification history starts with the status the case was opened with.
      if (facts.identificationStatus) {
        const to = facts.identificationStatus;
        const fact = { from: null, to, target: 'OWNER_STATUS', source: 'OPENING', reason: null } as const;
        await this.facts.insert(manager, caseRef, { kind: 'IDENTIFICATION', fact }, actor);
      }
      await this.audit.record(manager, { action: 'CASE_OPENED', actor, caseRef });
      return (await this.cases.find(manager, caseRef))!;
    });
  }

  /** A page of the console's case list and the cursor of the next one (null on the last page). */
  async list(
    filter: CaseListFilter,
    after: CaseListCursor | null,
    limit: number,
  ): Promise<{ items: CaseSummaryRow[]; nextCursor: string | null }> {
    const rows = await this.cases.list(this.dataSource.manager, this.config.country, filter, after, limit);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit ? encodeCaseCursor({ at: last.cursorAt, caseRef: last.caseRef }) : null,
    };
  }

  async find(caseRef: string): Promise<CaseEntity | null> {
    return this.cases.find(this.dataSource.manager, caseRef);
  }

  /**
   * Whether a message, sent or received, fits the case's lifecycle. `history` holds the case's earlier
   * messages when `needsHistory(type)` says the decision reads them; `closedWith` the countries whose part of
   * the case is closed.
   */
  decide(
    caseRow: CaseEntity,
    event: LifecycleEvent,
    history: readonly CaseMessageFact[],
    closedWith: readonly string[],
    asylumClaimPending = false,
  ): LifecycleDecision {
    return decideLifecycle({ ...this.stateOf(caseRow), history, closedWith, asylumClaimPending }, event);
  }

  private stateOf(caseRow: CaseEntity): Omit<LifecycleState, 'history' | 'closedWith'> {
    return {
      status: caseRow.status,
      phases: caseRow.phases,
      child: isChildCase(caseRow),
      guardianRecorded: caseRow.guardian !== null,
      identificationStatus: gateIdentificationStatus(caseRow),
      countries: caseRow.countries,
    };
  }

  /** Closes a case that never left this node: no country to tell, the same phases as a CASE_CLOSED. */
  async closeLocally(manager: EntityManager, caseRow: CaseEntity, actor: string): Promise<void> {
    const closing: LifecycleEvent = { type: 'CASE_CLOSED', direction: 'SENT', counterpart: '', payload: {} };
    const { phases } = nextState({ ...this.stateOf(caseRow), history: [], closedWith: [] }, closing);
    await this.cases.update(manager, caseRow, { phases });
    await this.cases.close(manager, caseRow.caseRef);
    await this.audit.record(manager, { action: 'CASE_CLOSED', actor, caseRef: caseRow.caseRef });
  }

  /**
   * What a message, sent or received, changes on the case (in the message's transaction): the lifecycle's
   * decided change, the roles and case managers it makes plain, the person's age and identification status.
   */
  async applyMessage(
    manager: EntityManager,
    caseRow: CaseEntity,
    event: LifecycleEvent,
    actor: string,
    change: LifecycleChange,
  ): Promise<void> {
    const { caseRef } = caseRow;
    const sender = event.direction === 'SENT' ? this.config.country : event.counterpart;
    const next = {
      phases: change.phases,
      countryRoles: inferRoles(this.config.country, caseRow.countryRoles, event),
      managers: withManagerFrom(caseRow.managers, sender, event.payload),
    };
    // Most messages change none of these: spare the hot path a write.
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter(
      (key) => JSON.stringify(next[key]) !== JSON.stringify(caseRow[key]),
    );
    if (changed.length > 0)
      await this.cases.update(manager, caseRow, Object.fromEntries(changed.map((key) => [key, next[key]])));
    // Only the CASE_CLOSED that ends the last open part of an open case closes it (both sides may close at once).
    if (change.status === 'CLOSED' && caseRow.status === 'OPEN') {
      await this.cases.close(manager, caseRef);
      await this.audit.record(manager, { action: 'CASE_CLOSED', actor, caseRef, messageType: event.type });
    }
    if (event.type === 'REFERRAL_REQUEST')
      await this.recordReferralFacts(manager, caseRow, event.payload, sender, actor);
  }

  /**
   * The age and identification status a referral reports, each change audited. Age presumption: a referral
   * may make the person a child but never an adult again (only a coordinator may, on evidence). Only the
   * case owner's referrals set the identification status.
   */
  private async recordReferralFacts(
    manager: EntityManager,
    caseRow: CaseEntity,
    payload: Record<string, unknown>,
    sender: string,
    actor: string,
  ): Promise<void> {
    const { caseRef } = caseRow;
    const referral = payload as { age?: { status?: AgeStatus }; identificationStatus?: string };
    const ageStatus = ageStatusAfterMessage(caseRow.ageStatus, referral.age?.status) ?? undefined;
    const identificationStatus =
      identificationStatusAfterMessage(
        caseRow.identificationStatus,
        referral.identificationStatus,
        sender,
        caseRow.ownerCountry,
      ) ?? undefined;
    const facts = {
      ...(ageStatus !== undefined && ageStatus !== caseRow.ageStatus ? { ageStatus } : {}),
      ...(identificationStatus !== undefined && identificationStatus !== caseRow.identificationStatus
        ? { identificationStatus }
        : {}),
    };
    // The statistics' categories follow the latest referral (no history: they are only ever counted).
    const categories = statisticalCategories(payload, new Date());
    const categoriesChanged = (Object.keys(categories) as Array<keyof typeof categories>).some(
      (key) => JSON.stringify(categories[key]) !== JSON.stringify(caseRow[key]),
    );
    if (Object.keys(facts).length === 0 && !categoriesChanged) return;
    await this.cases.recordPersonFacts(manager, caseRef, {
      ...facts,
      ...(categoriesChanged ? categories : {}),
    });
    if (facts.ageStatus) {
      await this.audit.record(manager, {
        action: 'CASE_AGE_STATUS_SET',
        actor,
        caseRef,
        messageType: 'REFERRAL_REQUEST',
        details: { from: caseRow.ageStatus, to: facts.ageStatus, evidence: 'REFERRAL' },
      });
    }
    if (facts.identificationStatus) {
      const fact = {
        from: caseRow.identificationStatus,
        to: facts.identificationStatus,
        target: 'OWNER_STATUS',
        source: 'REFERRAL',
        reason: null,
      } as const;
      await this.facts.insert(manager, caseRef, { kind: 'IDENTIFICATION', fact }, actor);
      await this.audit.record(manager, {
        action: 'CASE_IDENTIFICATION_STATUS_SET',
        actor,
        caseRef,
        messageType: 'REFERRAL_REQUEST',
        details: { from: caseRow.identificationStatus, to: facts.identificationStatus },
      });
    }
  }
}

/** A confirmation names the case manager of the country that sends it: kept by name, institution and role. */
function withManagerFrom(
  managers: CaseManager[],
  country: string,
  payload: Record<string, unknown>,
): CaseManager[] {
  const named = payload.caseManager as { name: string; institution: string; role?: string } | undefined;
  if (!named) return managers;
  const entry: CaseManager = {
    country,
    name: named.name,
    institution: named.institution,
    ...(named.role ? { role: named.role } : {}),
  };
  return [...managers.filter((m) => m.country !== country), entry];
}
