import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Page } from '../common/page';
import { keysetPage } from '../database/keyset-page';
import type { ConsentFacts } from './consent.policy';
import { ConsentRecordEntity } from './consent-record.entity';
import { PeerConsentWithdrawalEntity } from './peer-consent-withdrawal.entity';

export type NewConsentRecord = Omit<ConsentRecordEntity, 'id' | 'recordedAt' | 'withdrawnAt' | 'withdrawnBy'>;

@Injectable()
export class ConsentRepository {
  async insert(manager: EntityManager, record: NewConsentRecord): Promise<ConsentRecordEntity> {
    const saved = await manager.insert(ConsentRecordEntity, record);
    return (await manager.findOne(ConsentRecordEntity, {
      where: { id: saved.identifiers[0].id as string },
    }))!;
  }

  /** Newest first: the order the policy expects. */
  async forCase(manager: EntityManager, caseRef: string): Promise<ConsentRecordEntity[]> {
    return manager.find(ConsentRecordEntity, {
      where: { caseRef },
      order: { recordedAt: 'DESC', id: 'DESC' },
    });
  }

  /** The same order, a page at a time (the id breaks ties of time). */
  async pageForCase(
    manager: EntityManager,
    caseRef: string,
    page: { limit?: number; after?: string },
  ): Promise<Page<ConsentRecordEntity>> {
    const query = manager
      .createQueryBuilder(ConsentRecordEntity, 'c')
      .where('c.case_ref = :caseRef', { caseRef });
    return keysetPage(
      query,
      [
        { sql: 'c.recorded_at', type: 'timestamptz', of: (c) => c.recordedAt },
        { sql: 'c.id', type: 'uuid', of: (c) => c.id },
      ],
      'DESC',
      page,
    );
  }

  async find(manager: EntityManager, caseRef: string, id: string): Promise<ConsentRecordEntity | null> {
    return manager.findOne(ConsentRecordEntity, { where: { caseRef, id } });
  }

  async withdraw(manager: EntityManager, id: string, by: string): Promise<boolean> {
    const rows: unknown = await manager.query(
      `UPDATE consent_records SET withdrawn_at = now(), withdrawn_by = $2 WHERE id = $1 AND withdrawn_at IS NULL RETURNING id`,
      [id, by],
    );
    const updated = Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : (rows as unknown[]);
    return updated.length > 0;
  }

  async recordPeerWithdrawal(manager: EntityManager, withdrawal: PeerConsentWithdrawalEntity): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(PeerConsentWithdrawalEntity)
      .values(withdrawal)
      .orIgnore()
      .execute();
  }

  async isWithdrawnByPeer(manager: EntityManager, consentId: string, country: string): Promise<boolean> {
    // Plain SQL: asked for every inbound message under consent.
    const [row] = await manager.query(
      `SELECT EXISTS (SELECT 1 FROM peer_consent_withdrawals WHERE consent_id = $1 AND country = $2) AS withdrawn`,
      [consentId, country],
    );
    return row.withdrawn === true;
  }
}

export function toConsentFacts(record: ConsentRecordEntity): ConsentFacts {
  return {
    consentId: record.id,
    scopes: record.scopes,
    recipients: record.recipients,
    givenBy: record.givenBy,
    givenAt: record.givenAt,
    expiresAt: record.expiresAt,
    withdrawnAt: record.withdrawnAt,
  };
}
