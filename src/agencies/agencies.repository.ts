import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A registered partner agency (table `agencies`). */
export interface Agency {
  code: string;
  name: string;
  brokerUser: string;
  signingKeyId: string;
  signingPublicKey: string;
  encryptionKeyId: string;
  encryptionPublicKey: string;
  active: boolean;
}

export type NewAgency = Agency;

export interface Submission {
  agency: string;
  requestId: string;
  outcome: 'ACCEPTED' | 'REFUSED';
  reasonCode: string | null;
  messageId: string | null;
  replyId: string;
}

const AGENCY_COLUMNS = `code, name, broker_user AS "brokerUser", signing_key_id AS "signingKeyId",
  signing_public_key AS "signingPublicKey", encryption_key_id AS "encryptionKeyId",
  encryption_public_key AS "encryptionPublicKey", active`;

const SUBMISSION_COLUMNS = `agency, request_id AS "requestId", outcome, reason_code AS "reasonCode",
  message_id AS "messageId", reply_id AS "replyId"`;

/** The registry and the submissions' idempotency keys. Every method takes the caller's EntityManager. */
@Injectable()
export class AgenciesRepository {
  async byBrokerUser(manager: EntityManager, brokerUser: string): Promise<Agency | null> {
    const rows: Agency[] = await manager.query(
      `SELECT ${AGENCY_COLUMNS} FROM agencies WHERE broker_user = $1`,
      [brokerUser],
    );
    return rows[0] ?? null;
  }

  async byCode(manager: EntityManager, code: string): Promise<Agency | null> {
    const rows: Agency[] = await manager.query(`SELECT ${AGENCY_COLUMNS} FROM agencies WHERE code = $1`, [
      code,
    ]);
    return rows[0] ?? null;
  }

  async all(manager: EntityManager): Promise<Agency[]> {
    return manager.query(`SELECT ${AGENCY_COLUMNS} FROM agencies ORDER BY code`);
  }

  /** Registers an agency, or updates its name, broker user, keys and active flag. */
  async upsert(manager: EntityManager, agency: NewAgency): Promise<void> {
    await manager.query(
      `INSERT INTO agencies (code, name, broker_user, signing_key_id, signing_public_key, encryption_key_id,
         encryption_public_key, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (code) DO UPDATE SET name = $2, broker_user = $3, signing_key_id = $4, signing_public_key = $5,
         encryption_key_id = $6, encryption_public_key = $7, active = $8, updated_at = now()`,
      [
        agency.code,
        agency.name,
        agency.brokerUser,
        agency.signingKeyId,
        agency.signingPublicKey,
        agency.encryptionKeyId,
        agency.encryptionPublicKey,
        agency.active,
      ],
    );
  }

  async findSubmission(
    manager: EntityManager,
    agency: string,
    requestId: string,
  ): Promise<Submission | null> {
    const rows: Submission[] = await manager.query(
      `SELECT ${SUBMISSION_COLUMNS} FROM agency_submissions WHERE agency = $1 AND request_id = $2`,
      [agency, requestId],
    );
    return rows[0] ?? null;
  }

  /** The submissions that produced these outbound messages of ours (none for a message no agency submitted). */
  async submissionsOfMessages(manager: EntityManager, messageIds: string[]): Promise<Submission[]> {
    return manager.query(
      `SELECT ${SUBMISSION_COLUMNS} FROM agency_submissions WHERE message_id = ANY($1::uuid[])`,
      [messageIds],
    );
  }

  /**
   * Records a request id with its outcome inside the caller's transaction. False means another delivery of
   * the same request got there first: the caller rolls back and answers it as a duplicate.
   */
  async claimSubmission(manager: EntityManager, submission: Submission): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO agency_submissions (agency, request_id, outcome, reason_code, message_id, reply_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING request_id`,
      [
        submission.agency,
        submission.requestId,
        submission.outcome,
        submission.reasonCode,
        submission.messageId,
        submission.replyId,
      ],
    );
    return rows.length > 0;
  }
}
