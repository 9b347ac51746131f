import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { CaseEntity } from './case.entity';
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
  async open(actor: string, now = new Date()): Promise<CaseEntity> {
    return this.dataSource.transaction(async (manager) => {
      const caseRef = await this.cases.nextCaseRef(manager, this.config.country, now.getUTCFullYear());
      const created = await this.cases.create(manager, caseRef, this.config.country);
      await this.audit.record(manager, { action: 'CASE_OPENED', actor, caseRef });
      return created;
    });
  }

  async find(caseRef: string): Promise<CaseEntity | null> {
    return this.cases.find(this.dataSource.manager, caseRef);
  }
}
