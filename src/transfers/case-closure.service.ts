import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CaseError, CaseErrorCode } from '../cases/case.errors';
import { CasesRepository } from '../cases/cases.repository';
import { CasesService } from '../cases/cases.service';
import type { CaseClosedPayload } from '../messages/payloads/case.dto';
import { OutboxRelay } from '../transport/outbox-relay';
import { OutboundService } from './outbound.service';

export interface ClosureResult {
  caseRef: string;
  /** The countries told, each with the id of its CASE_CLOSED. */
  notified: Array<{ country: string; messageId: string }>;
}

/**
 * Closing a case, in one transaction: every country on the case gets a CASE_CLOSED through the outbound
 * pipeline (which closes the case here as it sends the first), or, when the case never left this node, it
 * is closed here alone.
 */
@Injectable()
export class CaseClosureService {
  private readonly logger = new Logger(CaseClosureService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly cases: CasesRepository,
    private readonly caseService: CasesService,
    private readonly outbound: OutboundService,
    private readonly relay: OutboxRelay,
  ) {}

  async close(caseRef: string, payload: CaseClosedPayload, actor: string): Promise<ClosureResult> {
    const notified = await this.dataSource.transaction(async (manager) => {
      const found = await this.cases.findForUpdate(manager, caseRef);
      if (!found) throw new CaseError(CaseErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
      if (found.status === 'CLOSED')
        throw new CaseError(CaseErrorCode.CASE_STATE_CONFLICT, `the case ${caseRef} is already closed`);
      if (found.countries.length === 0) {
        await this.caseService.closeLocally(manager, found, actor);
        return [];
      }
      const told: ClosureResult['notified'] = [];
      for (const country of found.countries) {
        const sent = await this.outbound.sendWithin(
          manager,
          { caseRef, type: 'CASE_CLOSED', to: country, legalBasis: 'CONSENT', payload },
          actor,
        );
        told.push({ country, messageId: sent.record.id });
      }
      return told;
    });
    this.relay.kick();
    this.logger.log(`case ${caseRef} closed; notified ${notified.length} countries`);
    return { caseRef, notified };
  }
}
