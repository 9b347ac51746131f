import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PeriodicPasses } from '../common/periodic-passes';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { CANONICAL_SQL, chainHash, CURRENT_LINK, GENESIS_HASH } from './audit-chain';

/** Any fixed number: it only has to be the same for every instance of a node (and differ from the others). */
const SEALER_LOCK_KEY = 7_240_318;
const BATCH = 2000;
const INTERVAL_MS = 200;

/**
 * Which entries may still be unsealed, as of a snapshot: those written by a transaction that was running
 * then (`running`) or that started later (xid >= `from`). Every other entry was visible, so was sealed.
 */
interface Horizon {
  from: string;
  running: string[];
}

interface Candidate {
  seq: string;
  canonical: string;
}

/**
 * Appends committed audit entries to the hash chain, off the business path. Entries are written in their own
 * business transaction with no lock and no hash (so auditing never serialises the pipeline); every 200 ms,
 * and on demand, one sealer per database (an advisory lock picks it) hashes what was committed since, in
 * seq order, onto `audit_chain`. Commit order may differ from seq order; the horizon finds late committers
 * exactly, from PostgreSQL's own snapshot, instead of trusting the seq to have no gaps.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditSealer.name);
  private horizon: Horizon | null = null;
  /** sealAll logs when sealing pauses and resumes: a failing tick says nothing more. */
  private readonly sealing = new PeriodicPasses(() => undefined);
  private failing = false;

  constructor(
    private readonly dataSource: DataSource,
    // Absent where a tool or test seals on its own.
    @Optional() @Inject(NODE_CONFIG) private readonly config?: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    // The urgent lane's thread leaves sealing (hashing, in batches) to the main thread: alerts only.
    if (this.config?.urgentLaneOnly) return;
    this.sealing.start(INTERVAL_MS, () => this.sealAll());
  }

  /** Before the database connections close: what was audited before shutdown is sealed now. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sealing.stop();
    await this.sealNow().catch(() => undefined);
  }

  /** Seals everything committed so far; resolves with how many entries this call sealed. */
  sealNow(): Promise<number> {
    return this.sealing.run(() => this.sealAll());
  }

  private async sealAll(): Promise<number> {
    try {
      const sealed = await this.passes();
      if (this.failing) this.logger.log('audit sealing resumed');
      this.failing = false;
      return sealed;
    } catch (error) {
      if (!this.failing) this.logger.warn(`audit sealing paused: ${(error as Error).message}`);
      this.failing = true;
      throw error;
    }
  }

  /**
   * Batches in seq order until a pass over everything since the horizon finds less than a batch; only such a
   * complete pass may move the horizon (a batch cut short leaves later entries behind).
   */
  private async passes(): Promise<number> {
    this.horizon ??= await this.loadHorizon();
    let total = 0;
    let afterSeq = '0';
    for (;;) {
      const batch = await this.dataSource.transaction((manager) =>
        this.sealBatch(manager, this.horizon!, afterSeq),
      );
      if (!batch) return total; // another instance holds the sealer lock
      total += batch.sealed;
      if (batch.sealed < BATCH) {
        if (afterSeq === '0') {
          this.horizon = batch.snapshot;
          return total;
        }
        // A last pass without the seq bound picks up entries with a lower seq that committed meanwhile.
        afterSeq = '0';
        continue;
      }
      afterSeq = batch.lastSeq;
    }
  }

  /** From the last complete pass recorded in the chain; with none, every entry is a candidate. */
  private async loadHorizon(): Promise<Horizon> {
    const [row] = await this.dataSource.query(
      `SELECT horizon::text AS horizon FROM audit_chain WHERE horizon IS NOT NULL ORDER BY pos DESC LIMIT 1`,
    );
    return { from: row?.horizon ?? '0', running: [] };
  }

  private async sealBatch(
    manager: EntityManager,
    horizon: Horizon,
    afterSeq: string,
  ): Promise<{ sealed: number; lastSeq: string; snapshot: Horizon } | null> {
    const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [
      SEALER_LOCK_KEY,
    ]);
    if (!locked) return null;
    // Taken before the candidates are read: anything invisible to it is still a candidate next time.
    const [snapshot] = await manager.query(
      `SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax,
              ARRAY(SELECT pg_snapshot_xip(s)::text) AS xip
       FROM pg_current_snapshot() s`,
    );
    const [head] = await manager.query(
      `SELECT c.pos::text AS pos, c.hash FROM audit_chain c ORDER BY c.pos DESC LIMIT 1`,
    );
    const candidates: Candidate[] = await manager.query(
      `SELECT a.seq::text AS seq, ${CANONICAL_SQL} AS canonical
       FROM audit_log a
       WHERE (a.xid >= $1::xid8 OR a.xid = ANY($2::xid8[])) AND a.seq > $3::bigint
         AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_seq = a.seq)
       ORDER BY a.seq
       LIMIT ${BATCH}`,
      [horizon.from, horizon.running, afterSeq],
    );
    const complete = candidates.length < BATCH && afterSeq === '0';
    if (candidates.length > 0) await this.append(manager, head, candidates, complete ? snapshot.xmin : null);
    return {
      sealed: candidates.length,
      lastSeq: candidates.at(-1)?.seq ?? afterSeq,
      snapshot: { from: snapshot.xmax, running: snapshot.xip },
    };
  }

  private async append(
    manager: EntityManager,
    head: { pos: string; hash: Buffer } | undefined,
    candidates: Candidate[],
    horizon: string | null,
  ): Promise<void> {
    let pos = head ? Number(head.pos) : 0;
    let previous = head ? head.hash : GENESIS_HASH;
    const positions: number[] = [];
    const seqs: string[] = [];
    const prevHashes: string[] = [];
    const hashes: string[] = [];
    for (const candidate of candidates) {
      const hash = chainHash(previous, candidate.canonical, CURRENT_LINK);
      positions.push(++pos);
      seqs.push(candidate.seq);
      prevHashes.push(previous.toString('hex'));
      hashes.push(hash.toString('hex'));
      previous = hash;
    }
    // Only the last row carries the horizon: it holds once the whole batch is sealed.
    await manager.query(
      `INSERT INTO audit_chain (pos, entry_seq, prev_hash, hash, horizon, link)
       SELECT p, s, decode(ph, 'hex'), decode(h, 'hex'), CASE WHEN p = $5 THEN $6::xid8 END, $7
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS t(p, s, ph, h)`,
      [positions, seqs, prevHashes, hashes, pos, horizon, CURRENT_LINK],
    );
  }
}
