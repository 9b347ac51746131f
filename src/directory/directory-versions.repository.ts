import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ParticipantDto } from './directory-file.dto';
import { ParticipantEntity } from './participant.entity';

/** The highest directory version a node accepted, with the file as accepted. */
export interface AcceptedDirectory {
  version: number;
  digest: string;
  document: Record<string, unknown>;
}

/**
 * The directory versions a node accepted (table directory_versions) and the participants table, the current
 * directory's projection that the node's own records name keys by.
 */
@Injectable()
export class DirectoryVersionsRepository {
  /**
   * Serialises directory changes among the node's instances for the caller's transaction: each one then
   * sees the version the previous one accepted.
   */
  async lock(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('trm.directory'))`);
  }

  async current(manager: EntityManager): Promise<AcceptedDirectory | null> {
    const rows = (await manager.query(
      `SELECT version::text AS version, digest, document FROM directory_versions ORDER BY version DESC LIMIT 1`,
    )) as Array<{ version: string; digest: string; document: Record<string, unknown> }>;
    const row = rows[0];
    return row ? { version: Number(row.version), digest: row.digest, document: row.document } : null;
  }

  async accept(
    manager: EntityManager,
    accepted: AcceptedDirectory & { issuedAt: string | null; anchor: string | null },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO directory_versions (version, digest, issued_at, anchor, document) VALUES ($1, $2, $3, $4, $5)`,
      [accepted.version, accepted.digest, accepted.issuedAt, accepted.anchor, accepted.document],
    );
  }

  async replaceParticipants(manager: EntityManager, participants: ParticipantDto[]): Promise<void> {
    const codes = participants.map((p) => p.code);
    await manager
      .createQueryBuilder()
      .delete()
      .from(ParticipantEntity)
      .where(codes.length > 0 ? 'code NOT IN (:...codes)' : 'true', { codes })
      .execute();
    await manager.upsert(
      ParticipantEntity,
      participants.map((p) => ({
        code: p.code,
        name: p.name,
        languages: p.languages,
        accepts: p.accepts ?? null,
        signingKeyId: p.signingKey.keyId,
        signingPublicKey: p.signingKey.publicKey,
        encryptionKeyId: p.encryptionKey.keyId,
        encryptionPublicKey: p.encryptionKey.publicKey,
        contacts: p.contacts,
        loadedAt: new Date(),
      })),
      ['code'],
    );
  }
}
