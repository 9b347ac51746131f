import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditFilter, AuditPageRequest, entriesQuery, ENTRY_SELECT } from './audit-query';

/** An entry as auditors read it; `chainPos` and `hash` are null until the sealer has chained it. */
export interface AuditEntryRow {
  seq: string;
  at: string;
  action: string;
  actor: string;
  caseRef: string | null;
  messageId: string | null;
  messageType: string | null;
  counterpart: string | null;
  legalBasis: string | null;
  decision: string | null;
  reasonCode: string | null;
  details: Record<string, unknown>;
  chainPos: string | null;
  hash: string | null;
}

export interface ChainRowView {
  pos: string;
  entrySeq: string;
  prevHash: string;
  hash: string;
}

export interface VerificationRow {
  at: string;
  decision: 'ALLOW' | 'DENY' | null;
  details: Record<string, unknown> | null;
}

export interface PeerStateRow {
  peer: string;
  lastCheckpointSeq: string;
  receivedAt: string;
  action: 'AUDIT_VERIFIED' | 'AUDIT_CHECKPOINT_CONFLICT' | null;
  decision: 'ALLOW' | 'DENY' | null;
  checkedAt: string | null;
}

export interface ChainHead {
  pos: string;
  entrySeq: string;
  hash: string;
  sealedAt: string;
}

export interface PeerCheckpointRow {
  id: string;
  peer: string;
  messageId: string;
  seq: string;
  headHash: string;
  signedAt: string;
  keyId: string;
  body: Buffer;
  signature: string;
  receivedAt: string;
}

export interface NewPeerCheckpoint {
  peer: string;
  messageId: string;
  seq: number;
  headHash: string;
  signedAt: Date;
  keyId: string;
  body: Buffer;
  signature: string;
}

const EXPORT_BATCH = 5000;
/** A case with more entries than this is cut, and says so. */
export const TIMELINE_LIMIT = 10_000;

/** Every read and write of the audit tables besides the hook's insert and the sealer's chain. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether an entry has this seq: a cursor is the seq of the last entry of a page. */
  async entryExists(seq: string): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM audit_log WHERE seq = $1::bigint) AS found`,
      [seq],
    );
    return (row as { found: boolean }).found;
  }

  async page(request: AuditPageRequest): Promise<AuditEntryRow[]> {
    const query = entriesQuery(request);
    return this.dataSource.query(query.text, query.values);
  }

  /**
   * Every matching entry in (at, seq) order, in batches, from one REPEATABLE READ snapshot: an export is the
   * log as of one instant even while the node keeps writing.
   */
  async *stream(filter: AuditFilter): AsyncGenerator<AuditEntryRow[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction('REPEATABLE READ');
      let after: string | undefined;
      for (;;) {
        const query = entriesQuery({ ...filter, after, limit: EXPORT_BATCH, order: 'asc' });
        const rows: AuditEntryRow[] = await runner.query(query.text, query.values);
        if (rows.length > 0) yield rows;
        if (rows.length < EXPORT_BATCH) break;
        after = rows[rows.length - 1].seq;
      }
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  async forCase(caseRef: string): Promise<AuditEntryRow[]> {
    return this.dataSource.query(
      `SELECT ${ENTRY_SELECT}
       FROM audit_log a LEFT JOIN audit_chain c ON c.entry_seq = a.seq
       WHERE a.case_ref = $1 ORDER BY a.at, a.seq LIMIT ${TIMELINE_LIMIT + 1}`,
      [caseRef],
    );
  }

  async chain(fromPos: number, limit: number): Promise<ChainRowView[]> {
    return this.dataSource.query(
      `SELECT pos::text AS pos, entry_seq::text AS "entrySeq", encode(prev_hash, 'hex') AS "prevHash",
              encode(hash, 'hex') AS hash
       FROM audit_chain c WHERE c.pos >= $1 ORDER BY c.pos LIMIT $2`,
      [fromPos, limit],
    );
  }

  async head(manager: EntityManager = this.dataSource.manager): Promise<ChainHead | null> {
    const [row] = await manager.query(
      `SELECT pos::text AS pos, entry_seq::text AS "entrySeq", encode(hash, 'hex') AS hash,
              to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sealedAt"
       FROM audit_chain c ORDER BY c.pos DESC LIMIT 1`,
    );
    return row ?? null;
  }

  /**
   * By peer, then position, `limit` + 1 rows after the cursor's (peer, seq, id), so the caller knows whether
   * more follow.
   */
  async peerCheckpoints(
    page: { peer?: string; after: { peer: string; seq: string; id: string } | null; limit: number },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PeerCheckpointRow[]> {
    return manager.query(
      `SELECT id::text AS id, peer, message_id AS "messageId", seq::text AS seq, head_hash AS "headHash",
              to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "signedAt",
              key_id AS "keyId", body, signature,
              to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "receivedAt"
       FROM audit_peer_checkpoints p
       WHERE ($1::text IS NULL OR p.peer = $1)
         AND ($2::text IS NULL OR (p.peer, p.seq, p.id) > ($2::char(2), $3::bigint, $4::bigint))
       ORDER BY p.peer, p.seq, p.id LIMIT $5`,
      [
        page.peer ?? null,
        page.after?.peer ?? null,
        page.after?.seq ?? null,
        page.after?.id ?? null,
        page.limit + 1,
      ],
    );
  }

  async insertPeerCheckpoint(manager: EntityManager, checkpoint: NewPeerCheckpoint): Promise<void> {
    await manager.query(
      `INSERT INTO audit_peer_checkpoints (peer, message_id, seq, head_hash, signed_at, key_id, body, signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        checkpoint.peer,
        checkpoint.messageId,
        checkpoint.seq,
        checkpoint.headHash,
        checkpoint.signedAt,
        checkpoint.keyId,
        checkpoint.body,
        checkpoint.signature,
      ],
    );
  }

  /**
   * A stored checkpoint of the same peer that the new one contradicts: the same position with another hash
   * (the peer signed two histories), or a later-signed one further ahead than the new one (its chain shrank).
   */
  async contradictingCheckpoint(
    manager: EntityManager,
    checkpoint: NewPeerCheckpoint,
  ): Promise<{ seq: string; headHash: string } | null> {
    const [row] = await manager.query(
      `SELECT p.seq::text AS seq, p.head_hash AS "headHash" FROM audit_peer_checkpoints p
       WHERE p.peer = $1 AND ((p.seq = $2 AND p.head_hash <> $3) OR (p.seq > $2 AND p.signed_at < $4))
       ORDER BY p.seq LIMIT 1`,
      [checkpoint.peer, checkpoint.seq, checkpoint.headHash, checkpoint.signedAt],
    );
    return row ?? null;
  }

  /**
   * What the console's chain page shows (GET /audit/chain/state): this node's last verification of its own
   * chain (an AUDIT_VERIFIED entry without a counterpart), and per peer the furthest position it signed and
   * the last word on it: a verification of its chain against its checkpoints, or a conflict between them.
   */
  async chainState(): Promise<{ lastVerification: VerificationRow | null; peers: PeerStateRow[] }> {
    const [[lastVerification], peers] = await Promise.all([
      this.dataSource.query(
        `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, decision, details
         FROM audit_log WHERE action = 'AUDIT_VERIFIED' AND counterpart IS NULL ORDER BY at DESC, seq DESC LIMIT 1`,
      ),
      this.dataSource.query(
        `SELECT p.peer, p.seq::text AS "lastCheckpointSeq",
                to_char(p.received AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "receivedAt",
                v.action, v.decision,
                to_char(v.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "checkedAt"
         FROM (SELECT peer, max(seq) AS seq, max(received_at) AS received FROM audit_peer_checkpoints GROUP BY peer) p
         LEFT JOIN LATERAL (
           SELECT a.action, a.decision, a.at FROM audit_log a
           WHERE a.counterpart = p.peer AND a.action IN ('AUDIT_VERIFIED', 'AUDIT_CHECKPOINT_CONFLICT')
           ORDER BY a.at DESC, a.seq DESC LIMIT 1) v ON true
         ORDER BY p.peer`,
      ),
    ]);
    return { lastVerification: lastVerification ?? null, peers };
  }

  /** When this node last sent its checkpoints (any instance), from its own log. */
  async lastCheckpointSentAt(manager: EntityManager): Promise<Date | null> {
    const [row] = await manager.query(
      `SELECT max(at) AS at FROM audit_log WHERE action = 'AUDIT_CHECKPOINT_SENT'`,
    );
    return row?.at ?? null;
  }
}
