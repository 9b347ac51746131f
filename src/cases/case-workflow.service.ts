import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { AuditService } from '../audit/audit.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { SOPS, Sop } from '../messages/message-types';
import {
  AgeEvidence,
  CountryRole,
  decideAgeStatusChange,
  decidePhaseChange,
  gateIdentificationStatus,
  identificationDecisionTarget,
  PhaseStatus,
  SOP_NAMES,
} from './case-lifecycle.policy';
import type { IdentificationStatus } from '../messages/payloads/identification.dto';
import { AgeStatus, CaseEntity, CaseManager, Guardian, isChildCase } from './case.entity';
import { CaseError, CaseErrorCode } from './case.errors';
import { CasesRepository } from './cases.repository';
import { CaseFactsRepository } from './case-facts.repository';
import { CaseMessage, ReturnChecklist, returnChecklist } from './return-checklist';

export interface CaseWorkflowView {
  /** This node's country. */
  self: string;
  status: string;
  countries: Array<{ country: string; role: CountryRole | null; self: boolean }>;
  phases: Array<{ sop: Sop; name: string; status: PhaseStatus }>;
  managers: CaseManager[];
  guardian: Guardian | null;
  ageStatus: AgeStatus | null;
  /**
   * The identification status: the owner's, and on another country's case this node's own decision, if
   * any; `forGates` is the one this node's gates use.
   */
  identification: { owner: string | null; own: string | null; forGates: string | null };
  /** Age presumption: a documented, presumed or disputed child is protected as one. */
  child: boolean;
  returnChecklist: ReturnChecklist;
  timeline: TimelineEntry[];
}

/** One step of the case: a message (with its delivery status) or a coordinator's change, from the audit log. */
export interface TimelineEntry {
  at: string;
  kind: 'MESSAGE' | 'CHANGE';
  /** The message type, or the audit action of a change. */
  what: string;
  direction?: 'SENT' | 'RECEIVED';
  counterpart?: string | null;
  status?: string;
  messageId?: string;
  /** For a refused or rejected message: its type. */
  messageType?: string | null;
  actor?: string;
  decision?: string | null;
  reasonCode?: string | null;
}

/** The audit actions that tell how a case went besides its messages (the messages tell the rest). */
const CASE_CHANGES = [
  'CASE_OPENED',
  'CASE_CLOSED',
  'CASE_ROLES_SET',
  'CASE_MANAGER_SET',
  'CASE_GUARDIAN_SET',
  'CASE_AGE_STATUS_SET',
  'CASE_IDENTIFICATION_STATUS_SET',
  'CASE_PHASE_SET',
  'CASE_REOPENED',
  'CASE_ASYLUM_CLAIM_RECORDED',
  'CASE_REFLECTION_PERIOD_STARTED',
  'CASE_REFLECTION_PERIOD_EXTENDED',
  'CASE_THREAT_RECORDED',
  'MESSAGE_REFUSED',
  'MESSAGE_REJECTED',
];
const TIMELINE_CHANGES_MAX = 500;

/**
 * The coordinator's side of the case lifecycle: roles, case managers, guardian, age status and phases set by
 * hand, each audited in the same transaction, and the workflow view of a case.
 */
@Injectable()
export class CaseWorkflowService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
    private readonly facts: CaseFactsRepository,
  ) {}

  /** This node's country: a case manager set without a country is this node's. */
  get self(): string {
    return this.config.country;
  }

  async setRoles(caseRef: string, roles: Record<string, CountryRole>, actor: string): Promise<CaseEntity> {
    return this.change(caseRef, async (manager, found) => {
      const countryRoles = { ...found.countryRoles, ...roles };
      await this.cases.update(manager, found, { countryRoles });
      await this.audit.record(manager, { action: 'CASE_ROLES_SET', actor, caseRef, details: { roles } });
    });
  }

  async setManager(caseRef: string, named: CaseManager, actor: string): Promise<CaseEntity> {
    return this.change(caseRef, async (manager, found) => {
      const managers = [...found.managers.filter((m) => m.country !== named.country), named];
      await this.cases.update(manager, found, { managers });
      // The name stays out of the log: the country says whose manager changed.
      await this.audit.record(manager, {
        action: 'CASE_MANAGER_SET',
        actor,
        caseRef,
        details: { country: named.country },
      });
    });
  }

  async setGuardian(caseRef: string, guardian: Guardian, actor: string): Promise<CaseEntity> {
    return this.change(caseRef, async (manager, found) => {
      await this.cases.update(manager, found, { guardian });
      await this.audit.record(manager, {
        action: 'CASE_GUARDIAN_SET',
        actor,
        caseRef,
        details: { kind: guardian.kind },
      });
    });
  }

  async setAgeStatus(
    caseRef: string,
    to: AgeStatus,
    evidence: AgeEvidence,
    actor: string,
  ): Promise<CaseEntity> {
    return this.change(caseRef, async (manager, found) => {
      const decision = decideAgeStatusChange(to, evidence);
      if (!decision.allow) throw new CaseError(CaseErrorCode.CHANGE_REFUSED, decision.reason);
      await this.cases.update(manager, found, { ageStatus: to });
      await this.audit.record(manager, {
        action: 'CASE_AGE_STATUS_SET',
        actor,
        caseRef,
        details: { from: found.ageStatus, to, evidence },
      });
    });
  }

  /**
   * A coordinator's identification decision: on this node's own case, the case's status; on another
   * country's case this node takes part in, this node's own view, for its own gates only (it never travels,
   * and the owner's status stays the owner's). Audited with which of the two it set, and kept in the case's
   * identification history with its reason (the reason stays out of the audit log: it may tell of the person).
   */
  async setIdentification(
    caseRef: string,
    to: IdentificationStatus,
    actor: string,
    reason: string | null = null,
  ): Promise<CaseEntity> {
    return this.change(caseRef, async (manager, found) => {
      const target = identificationDecisionTarget(this.config.country, found.ownerCountry);
      const from = target === 'OWNER_STATUS' ? found.identificationStatus : found.ownIdentificationStatus;
      await this.cases.update(
        manager,
        found,
        target === 'OWNER_STATUS'
          ? { identificationStatus: to }
          : { ownIdentificationStatus: to, ownIdentificationAt: new Date() },
      );
      const factId = await this.facts.insert(
        manager,
        caseRef,
        { kind: 'IDENTIFICATION', fact: { from, to, target, source: 'COORDINATOR', reason } },
        actor,
      );
      await this.audit.record(manager, {
        action: 'CASE_IDENTIFICATION_STATUS_SET',
        actor,
        caseRef,
        details: { from, to, target, factId },
      });
    });
  }

  async setPhase(caseRef: string, sop: Sop, to: PhaseStatus, actor: string): Promise<CaseEntity> {
    return this.change(caseRef, async (manager, found) => {
      const decision = decidePhaseChange(to);
      if (!decision.allow) throw new CaseError(CaseErrorCode.CHANGE_REFUSED, decision.reason);
      const from = found.phases[`${sop}`] ?? 'NOT_STARTED';
      await this.cases.update(manager, found, { phases: { ...found.phases, [`${sop}`]: to } });
      await this.audit.record(manager, {
        action: 'CASE_PHASE_SET',
        actor,
        caseRef,
        details: { sop, from, to },
      });
    });
  }

  /** The lifecycle of a case: `messages` are the case's messages in time order (the case file holds them). */
  async view(found: CaseEntity, messages: readonly CaseMessage[]): Promise<CaseWorkflowView> {
    const changes = await this.dataSource.manager.find(AuditEntryEntity, {
      where: { caseRef: found.caseRef, action: In(CASE_CHANGES) },
      order: { seq: 'ASC' },
      take: TIMELINE_CHANGES_MAX,
    });
    const self = this.config.country;
    const codes = [
      ...new Set([found.ownerCountry, self, ...found.countries, ...Object.keys(found.countryRoles)]),
    ];
    return {
      self,
      status: found.status,
      countries: codes.map((country) => ({
        country,
        role: found.countryRoles[country] ?? null,
        self: country === self,
      })),
      phases: SOPS.map((sop) => ({
        sop,
        name: SOP_NAMES[sop],
        status: found.phases[`${sop}`] ?? 'NOT_STARTED',
      })),
      managers: found.managers,
      guardian: found.guardian,
      ageStatus: found.ageStatus,
      identification: {
        owner: found.identificationStatus,
        own: found.ownIdentificationStatus,
        forGates: gateIdentificationStatus(found),
      },
      child: isChildCase(found),
      returnChecklist: returnChecklist(messages),
      timeline: timeline(messages, changes),
    };
  }

  /** A change to one case, under its row lock, with the case as it is after. */
  private async change(
    caseRef: string,
    apply: (manager: EntityManager, found: CaseEntity) => Promise<void>,
  ): Promise<CaseEntity> {
    return this.dataSource.transaction(async (manager) => {
      const found = await this.cases.findForUpdate(manager, caseRef);
      if (!found) throw new CaseError(CaseErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      if (found.status === 'CLOSED') {
        throw new CaseError(CaseErrorCode.CASE_STATE_CONFLICT, `the case ${caseRef} is closed`);
      }
      await apply(manager, found);
      return (await this.cases.find(manager, caseRef))!;
    });
  }
}

/** Messages and changes in time order; receipts and rejections show as the status of what they answer. */
function timeline(messages: readonly CaseMessage[], changes: AuditEntryEntity[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...messages
      .filter((m) => m.type !== 'DELIVERY_RECEIPT' && m.type !== 'DELIVERY_REJECTED')
      .map((m): TimelineEntry => ({
        at: m.createdAt.toISOString(),
        kind: 'MESSAGE',
        what: m.type,
        direction: m.direction === 'OUTBOUND' ? 'SENT' : 'RECEIVED',
        counterpart: m.counterpart,
        status: m.status,
        messageId: m.id,
      })),
    ...changes.map((c): TimelineEntry => ({
      at: c.at.toISOString(),
      kind: 'CHANGE',
      what: c.action,
      actor: c.actor,
      counterpart: c.counterpart,
      ...(c.messageId ? { messageId: c.messageId, messageType: c.messageType } : {}),
      decision: c.decision,
      reasonCode: c.reasonCode,
    })),
  ];
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}
