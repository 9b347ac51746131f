import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { leafHex } from '../audit/audit-chain';
import { CANONICAL_SQL } from '../audit/audit-chain';
import { AuditSealer } from '../audit/audit-sealer';
import { AuditService } from '../audit/audit.service';
import { AuditError, AuditErrorCode } from '../audit/audit.errors';
import { CaseGrantsService } from '../auth/case-grants.service';
import type { Principal } from '../auth/roles';
import { AcceptedMessage, Effects } from '../common/effects';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { DirectoryService } from '../directory/directory.service';
import { OutboxEntity } from '../transport/outbox.entity';
import {
  ChainRow,
  CheckpointRecord,
  EVIDENCE_FORMAT,
  EVIDENCE_VERSION,
  EvidenceBundle,
  UnavailableMessage,
  WireRecord,
} from './evidence-bundle';
import { InboundWireEntity } from './inbound-wire.entity';

const RECEIPT_TYPES = new Set(['DELIVERY_RECEIPT', 'DELIVERY_REJECTED']);
/** The entries whose message id names a message of the case (and MESSAGE_RECEIVED's receipt). */
const NAMING_ACTIONS = ['MESSAGE_QUEUED', 'MESSAGE_PUBLISHED', 'MESSAGE_RECEIVED'];

interface SpanRow {
  pos: string;
  link: number;
  hash: string;
  prevHash: string;
  caseRef: string | null;
  action: string | null;
  messageId: string | null;
  receiptId: string | null;
  canonical: string | null;
}

interface SentCheckpoint {
  peer: string;
  messageId: string;
  pos: string;
  headHash: string;
}

/**
 * Builds a case's evidence bundle (docs/audit.md, "Evidence bundle per case") for an auditor granted the case,
 * and keeps what it needs of inbound messages: each accepted message's exact signed body and signature.
 */
@Injectable()
export class EvidenceExportService implements OnModuleInit {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly effects: Effects,
    private readonly directory: DirectoryService,
    private readonly sealer: AuditSealer,
    private readonly audit: AuditService,
    private readonly grants: CaseGrantsService,
  ) {}

  onModuleInit(): void {
    this.effects.onMany('message.received', (manager, messages) => this.keepWires(manager, messages));
  }

  /**
   * Inbound effect, in the inbound transaction: the peers' signed bodies of case messages, one INSERT for a
   * batch. A checkpoint is kept by the checkpoints module with its own table; a message without a case
   * belongs to no bundle.
   */
  private async keepWires(manager: EntityManager, messages: AcceptedMessage[]): Promise<void> {
    const kept = messages.filter(({ envelope }) => envelope.caseRef);
    if (kept.length === 0) return;
    await manager.insert(
      InboundWireEntity,
      kept.map(({ envelope, body, signature }) => ({
        id: envelope.id,
        caseRef: envelope.caseRef!,
        sender: envelope.from,
        // The inbound pipeline verified the signature with this very key.
        keyId: this.directory.find(envelope.from)!.signingKey.keyId,
        body,
        signature,
      })),
    );
  }

  /** The bundle, once the export is in the audit log; a refusal is audited too. */
  async export(caseRef: string, principal: Principal, actor: string): Promise<EvidenceBundle> {
    if (!(await this.grants.isGranted(principal, caseRef))) {
      await this.record(actor, caseRef, 'DENY', { reasonCode: 'CASE_NOT_GRANTED' });
      throw new AuditError(
        AuditErrorCode.CASE_NOT_GRANTED,
        'an admin must grant this auditor the case before its evidence can be exported',
      );
    }
    await this.sealer.sealNow();
    const bundle = await this.dataSource.transaction('REPEATABLE READ', (manager) =>
      this.build(manager, caseRef, actor),
    );
    await this.record(actor, caseRef, 'ALLOW', {
      details: {
        headPos: bundle.chain.head.pos,
        messages: bundle.messages.length,
        receipts: bundle.receipts.length,
        checkpoints: bundle.checkpoints.length,
      },
    });
    return bundle;
  }

  private async record(
    actor: string,
    caseRef: string,
    decision: 'ALLOW' | 'DENY',
    extra: { reasonCode?: string; details?: Record<string, unknown> },
  ): Promise<void> {
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, { action: 'EVIDENCE_EXPORTED', actor, caseRef, decision, ...extra }),
    );
  }

  private async build(manager: EntityManager, caseRef: string, actor: string): Promise<EvidenceBundle> {
    const [first] = await manager.query(
      `SELECT min(c.pos)::text AS pos FROM audit_chain c JOIN audit_log a ON a.seq = c.entry_seq
       WHERE a.case_ref = $1`,
      [caseRef],
    );
    if (!first?.pos) throw new AuditError(AuditErrorCode.NOT_FOUND, 'no sealed audit entry names this case');
    const checkpoints: SentCheckpoint[] = await manager.query(
      `SELECT DISTINCT ON (a.counterpart) a.counterpart AS peer, a.message_id AS "messageId",
              a.details->>'seq' AS pos, a.details->>'headHash' AS "headHash"
       FROM audit_log a JOIN audit_chain c ON c.entry_seq = a.seq
       WHERE a.action = 'AUDIT_CHECKPOINT_SENT' AND (a.details->>'seq')::bigint >= $1::bigint
       ORDER BY a.counterpart, (a.details->>'seq')::bigint DESC, a.seq DESC`,
      [first.pos],
    );
    const span = await this.span(manager, first.pos);
    const disclosed = new Set(checkpoints.map((c) => c.messageId));
    const rows: ChainRow[] = span.map((row) => chainRow(row, caseRef, disclosed));
    const last = span[span.length - 1];
    const named = namedMessages(span.filter((row) => row.caseRef === caseRef));
    const { wires, erased } = await this.wires(manager, [...named, ...checkpoints.map((c) => c.messageId)]);
    const unavailable: UnavailableMessage[] = [];
    const messages: WireRecord[] = [];
    const receipts: WireRecord[] = [];
    for (const id of named) {
      const wire = wires.get(id);
      if (wire) (RECEIPT_TYPES.has(wire.type) ? receipts : messages).push(wire);
      else {
        const received = span.some((row) => row.messageId === id && row.action === 'MESSAGE_RECEIVED');
        const reason = erased.has(id) ? 'ERASED' : received ? 'NOT_STORED' : 'NOT_SENT';
        unavailable.push({ messageId: id, reason });
      }
    }
    const erasure = span.find((row) => row.caseRef === caseRef && row.action === 'CASE_ERASED');
    return {
      format: EVIDENCE_FORMAT,
      version: EVIDENCE_VERSION,
      node: this.config.country,
      caseRef,
      exportedAt: new Date().toISOString(),
      exportedBy: actor,
      messages,
      receipts,
      unavailable,
      erased: erasure ? { pos: Number(erasure.pos), at: canonicalAt(erasure.canonical!) } : null,
      chain: { prevHash: span[0].prevHash, rows, head: { pos: Number(last.pos), hash: last.hash } },
      checkpoints: checkpoints.flatMap((c): CheckpointRecord[] => {
        const wire = wires.get(c.messageId);
        return wire ? [{ peer: c.peer, pos: Number(c.pos), headHash: c.headHash, wire }] : [];
      }),
    };
  }

  /** The chain from the case's first entry to the head, with each entry's canonical form (read here only). */
  private async span(manager: EntityManager, from: string): Promise<SpanRow[]> {
    const rows: SpanRow[] = await manager.query(
      `SELECT c.pos::text AS pos, c.link, encode(c.hash, 'hex') AS hash, encode(c.prev_hash, 'hex') AS "prevHash",
              a.case_ref AS "caseRef", a.action, a.message_id AS "messageId",
              a.details->>'receiptId' AS "receiptId",
              CASE WHEN a.seq IS NOT NULL THEN ${CANONICAL_SQL} END AS canonical
       FROM audit_chain c LEFT JOIN audit_log a ON a.seq = c.entry_seq
       WHERE c.pos >= $1::bigint ORDER BY c.pos`,
      [from],
    );
    const broken = rows.find((row) => row.canonical === null);
    if (broken) throw new Error(`the audit chain is broken at position ${broken.pos}: run audit:verify`);
    return rows;
  }

  /**
   * The signed bodies of these messages: ours from the outbox (the first copy), peers' from inbound_wire; and
   * the peers' whose body went with the case's key (`erased`: read as null).
   */
  private async wires(
    manager: EntityManager,
    ids: string[],
  ): Promise<{ wires: Map<string, WireRecord>; erased: Set<string> }> {
    const wires = new Map<string, WireRecord>();
    const erased = new Set<string>();
    if (ids.length === 0) return { wires, erased };
    const outbound = await manager.find(OutboxEntity, {
      where: { messageId: In(ids) },
      order: { id: 'ASC' },
    });
    for (const row of outbound) {
      if (wires.has(row.messageId)) continue;
      wires.set(row.messageId, {
        messageId: row.messageId,
        direction: 'OUTBOUND',
        type: row.properties.type,
        from: this.config.country,
        to: row.routingKey.split('.')[1],
        keyId: String(row.headers['x-trm-key-id']),
        body: row.body.toString('base64'),
        signature: String(row.headers['x-trm-signature']),
      });
    }
    const inbound = await manager.find(InboundWireEntity, { where: { id: In(ids) } });
    for (const row of inbound) {
      if (row.body === null) {
        erased.add(row.id);
        continue;
      }
      const envelope = JSON.parse(row.body.toString('utf8')) as { type: string; to: string };
      wires.set(row.id, {
        messageId: row.id,
        direction: 'INBOUND',
        type: envelope.type,
        from: row.sender,
        to: envelope.to,
        keyId: row.keyId,
        body: row.body.toString('base64'),
        signature: row.signature,
      });
    }
    return { wires, erased };
  }
}

/** A case entry, a checkpoint's sending record, and a row sealed before leaves existed are shown in full. */
function chainRow(row: SpanRow, caseRef: string, checkpoints: Set<string>): ChainRow {
  const pos = Number(row.pos);
  const show =
    row.caseRef === caseRef ||
    row.link === 1 ||
    (row.action === 'AUDIT_CHECKPOINT_SENT' && row.messageId !== null && checkpoints.has(row.messageId));
  if (show)
    return {
      pos,
      link: row.link === 1 ? 1 : 2,
      canonical: row.canonical!,
      prevHash: row.prevHash,
      hash: row.hash,
    };
  return { pos, link: 2, leaf: leafHex(row.canonical!) };
}

/** An entry's `at`, from its canonical form ([1, seq, at, …]). */
function canonicalAt(canonical: string): string {
  return String((JSON.parse(canonical) as unknown[])[2]);
}

/** The messages the case's entries name, in the order the chain first names them. */
function namedMessages(caseRows: SpanRow[]): string[] {
  const named = new Set<string>();
  for (const row of caseRows) {
    if (row.action && NAMING_ACTIONS.includes(row.action) && row.messageId) named.add(row.messageId);
    if (row.action === 'MESSAGE_RECEIVED' && row.receiptId) named.add(row.receiptId);
  }
  return [...named];
}
