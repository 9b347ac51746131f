import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { ParticipantDto, signingKeysOf } from '../directory/directory-file.dto';
import { DirectoryService } from '../directory/directory.service';
import { verify } from '../crypto/trm-crypto';
import type { AuditCheckpointPayload } from '../messages/payloads/technical.dto';
import { AcceptedMessage, Effects } from '../common/effects';
import { PeriodicPasses } from '../common/periodic-passes';
import { OutboundService } from '../transfers/outbound.service';
import { OutboxRelay } from '../transport/outbox-relay';
import { AuditSealer } from '../audit/audit-sealer';
import { AuditRepository, NewPeerCheckpoint } from '../audit/audit.repository';
import { AuditRecord, AuditService } from '../audit/audit.service';

/** Differs from the migration and sealer locks; the same for every instance of a node. */
const CHECKPOINT_LOCK_KEY = 7_240_319;

export interface SentCheckpoint extends AuditCheckpointPayload {
  peers: string[];
}

/**
 * Cross-border witnessing: this node periodically signs its chain head and sends it to every peer as an
 * AUDIT_CHECKPOINT, and keeps the checkpoints peers send it, with the exact signed bytes, so that
 * `audit:verify --peer` can later prove each peer's chain still extends what it signed.
 */
@Injectable()
export class AuditCheckpointService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditCheckpointService.name);
  private readonly passes = new PeriodicPasses((error) =>
    this.logger.warn(`audit checkpoint not sent: ${error.message}`),
  );

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly directory: DirectoryService,
    private readonly outbound: OutboundService,
    private readonly effects: Effects,
    private readonly relay: OutboxRelay,
    private readonly audit: AuditService,
    private readonly sealer: AuditSealer,
    private readonly repository: AuditRepository,
  ) {}

  onModuleInit(): void {
    this.effects.on('message.received', (manager, message) => this.keep(manager, message), [
      'AUDIT_CHECKPOINT',
    ]);
  }

  onApplicationBootstrap(): void {
    this.passes.start(this.config.auditCheckpointIntervalMs, () => this.send());
  }

  onApplicationShutdown(): Promise<void> {
    return this.passes.stop();
  }

  /**
   * Seals what is committed, then queues the chain head for every peer in one transaction (with an audit
   * entry per peer). With several instances, the advisory lock and the last send time in the log make one
   * of them send per interval. `force` sends regardless of when the last checkpoint left.
   */
  async send(options: { force?: boolean } = {}): Promise<SentCheckpoint | null> {
    await this.sealer.sealNow();
    const sent = await this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [
        CHECKPOINT_LOCK_KEY,
      ]);
      if (!locked) return null;
      if (!options.force) {
        const last = await this.repository.lastCheckpointSentAt(manager);
        if (last && Date.now() - last.getTime() < this.config.auditCheckpointIntervalMs / 2) return null;
      }
      const head = await this.repository.head(manager);
      if (!head) return null;
      const payload: AuditCheckpointPayload = {
        seq: Number(head.pos),
        headHash: head.hash,
        at: new Date().toISOString(),
      };
      const peers = this.directory
        .all()
        .map((participant) => participant.code)
        .filter((code) => code !== this.config.country);
      const entries: AuditRecord[] = [];
      for (const peer of peers) {
        const id = await this.outbound.enqueueTechnical(manager, {
          type: 'AUDIT_CHECKPOINT',
          to: peer,
          caseRef: null,
          inReplyTo: null,
          payload,
        });
        entries.push({
          action: 'AUDIT_CHECKPOINT_SENT',
          actor: `node:${this.config.country}`,
          messageId: id,
          messageType: 'AUDIT_CHECKPOINT',
          counterpart: peer,
          legalBasis: 'NONE',
          details: { seq: payload.seq, headHash: payload.headHash },
        });
      }
      await this.audit.recordMany(manager, entries);
      return { ...payload, peers };
    });
    if (sent) {
      this.relay.kick('routine');
      this.logger.log(`audit checkpoint seq ${sent.seq} sent to ${sent.peers.join(', ') || 'no peer'}`);
    }
    return sent;
  }

  /** Inbound effect: runs in the inbound transaction, after the signature and the schema were checked. */
  private async keep(manager: EntityManager, message: AcceptedMessage): Promise<void> {
    const { envelope } = message;
    const payload = message.payload as AuditCheckpointPayload;
    const checkpoint: NewPeerCheckpoint = {
      peer: envelope.from,
      messageId: envelope.id,
      seq: payload.seq,
      headHash: payload.headHash,
      signedAt: new Date(payload.at),
      // The inbound pipeline verified the signature with one of the sender's keys (during a rollover, the
      // next or the retiring one): record which, so audit:verify checks it with that key.
      keyId: signedWith(this.directory.find(envelope.from)!, message.body, message.signature),
      body: message.body,
      signature: message.signature,
    };
    const earlier = await this.repository.contradictingCheckpoint(manager, checkpoint);
    await this.repository.insertPeerCheckpoint(manager, checkpoint);
    if (!earlier) return;
    // Kept all the same: two contradicting signed statements are the evidence.
    const equivocation = earlier.seq === String(checkpoint.seq);
    await this.audit.record(manager, {
      action: 'AUDIT_CHECKPOINT_CONFLICT',
      actor: envelope.from,
      messageId: envelope.id,
      messageType: envelope.type,
      counterpart: envelope.from,
      legalBasis: 'NONE',
      reasonCode: equivocation ? 'EQUIVOCATION' : 'ROLLBACK',
      details: {
        seq: checkpoint.seq,
        headHash: checkpoint.headHash,
        earlierSeq: earlier.seq,
        earlierHash: earlier.headHash,
      },
    });
    this.logger.warn(
      `audit checkpoint ${envelope.id} from ${envelope.from} contradicts seq ${earlier.seq}: ${equivocation ? 'two hashes for one position' : 'its chain went backwards'}`,
    );
  }
}

/** The id of the sender's directory key that verifies `signature` (the current one when none does). */
function signedWith(sender: ParticipantDto, body: Buffer, signature: string): string {
  return (
    signingKeysOf(sender).find((key) => verify(body, signature, key.publicKey))?.keyId ??
    sender.signingKey.keyId
  );
}
