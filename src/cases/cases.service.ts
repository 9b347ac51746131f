import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { MessageType } from '../messages/message-types';
import { AuditService } from '../audit/audit.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { AgeStatus, CaseEntity } from './case.entity';
import { CasesRepository } from './cases.repository';

@Injectable()
export class CasesService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
  ) {}

  /** This node becomes the referring NCP and creates the transnational case reference. */
  async open(
    actor: string,
    facts: { ageStatus?: AgeStatus; identificationStatus?: string } = {},
    now = new Date(),
  ): Promise<CaseEntity> {
    return this.dataSource.transaction(async (manager) => {
      const caseRef = await this.cases.nextCaseRef(manager, this.config.country, now.getUTCFullYear());
      await this.cases.create(manager, caseRef, this.config.country);
      if (facts.ageStatus || facts.identificationStatus)
        await this.cases.recordPersonFacts(manager, caseRef, facts);
      await this.audit.record(manager, { action: 'CASE_OPENED', actor, caseRef });
      return (await this.cases.find(manager, caseRef))!;
    });
  }

  async find(caseRef: string): Promise<CaseEntity | null> {
    return this.cases.find(this.dataSource.manager, caseRef);
  }

  /** What a message, sent or received, says about the case itself (in the message's transaction). */
  async applyMessage(
    manager: EntityManager,
    caseRef: string,
    type: MessageType,
    payload: object,
    actor: string,
  ): Promise<void> {
    if (type === 'CASE_CLOSED') {
      await this.cases.close(manager, caseRef);
      await this.audit.record(manager, { action: 'CASE_CLOSED', actor, caseRef, messageType: type });
    }
    if (type === 'REFERRAL_REQUEST') {
      const referral = payload as { age?: { status?: AgeStatus }; identificationStatus?: string };
      await this.cases.recordPersonFacts(manager, caseRef, {
        ageStatus: referral.age?.status,
        identificationStatus: referral.identificationStatus,
      });
    }
  }
}
