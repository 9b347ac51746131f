import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Page } from '../common/page';
import { keysetPage } from '../database/keyset-page';
import { LocalSecretEntity } from './local-secret.entity';

/** A local secret as listed: everything but its value. */
export interface LocalSecretListing {
  id: string;
  label: string;
  recordedBy: string;
  recordedAt: Date;
}

@Injectable()
export class LocalSecretsRepository {
  /** Adds a secret in the caller's transaction; returns its id. */
  async insert(
    manager: EntityManager,
    caseRef: string,
    secret: { label: string; value: string },
    recordedBy: string,
  ): Promise<string> {
    const saved = await manager.insert(LocalSecretEntity, { caseRef, ...secret, recordedBy });
    return saved.identifiers[0].id as string;
  }

  /** The case's secrets without their values, oldest first (the value column is not even loaded). */
  async listForCase(manager: EntityManager, caseRef: string): Promise<LocalSecretListing[]> {
    return manager.find(LocalSecretEntity, {
      select: { id: true, label: true, recordedBy: true, recordedAt: true },
      where: { caseRef },
      order: { recordedAt: 'ASC', id: 'ASC' },
    });
  }

  /** The same, a page at a time (the id breaks ties of time). */
  async pageForCase(
    manager: EntityManager,
    caseRef: string,
    page: { limit?: number; after?: string },
  ): Promise<Page<LocalSecretListing>> {
    const query = manager
      .createQueryBuilder(LocalSecretEntity, 's')
      .select(['s.id', 's.label', 's.recordedBy', 's.recordedAt'])
      .where('s.case_ref = :caseRef', { caseRef });
    return keysetPage(
      query,
      [
        { sql: 's.recorded_at', type: 'timestamptz', of: (s) => s.recordedAt },
        { sql: 's.id', type: 'uuid', of: (s) => s.id },
      ],
      'ASC',
      page,
    );
  }

  async find(manager: EntityManager, caseRef: string, id: string): Promise<LocalSecretEntity | null> {
    return manager.findOneBy(LocalSecretEntity, { caseRef, id });
  }

  /**
   * Every value the node keeps as a secret, of every case: a shelter's address recorded on one case must not
   * leave in another's messages either. For the outbound gate's comparison only, never shown.
   */
  async allValues(manager: EntityManager): Promise<string[]> {
    const rows = await manager.find(LocalSecretEntity, { select: { id: true, value: true } });
    return rows.map((r) => r.value);
  }
}
