import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PeriodicPasses } from '../common/periodic-passes';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { CaseKeys } from '../crypto/case-keys';
import { boundColumnsOf } from '../crypto/encrypted-column';
import { FieldCipher } from '../crypto/field-cipher';
import { moveCaseValues } from '../crypto/field-rekey';
import { CaseEntity } from './case.entity';
import { CaseError, CaseErrorCode } from './case.errors';
import { CasesRepository } from './cases.repository';
import { ErasureLedger } from './erasure-ledger';
import { ErasureTrigger, isDueForErasure, LegalHoldReason, retentionEndsAt } from './retention.policy';

/** What an admin or coordinator sees of a case's retention (docs/retention.md). */
export interface RetentionState {
  caseRef: string;
  status: CaseEntity['status'];
  /** When the retention period ends (null: never, or erased). */
  retentionEndsAt: Date | null;
  legalHold: { reason: string; by: string; since: Date } | null;
  erasureRequest: { by: string; at: Date } | null;
  erasedAt: Date | null;
}

/**
 * Retention and erasure of cases by crypto-shredding (docs/retention.md): a legal hold suspends the retention
 * period; the retention pass, every TRM_RETENTION_CHECK_SECONDS, erases the cases past it; an admin may ask
 * for an erasure that a second admin confirms. Erasing destroys the case's data key (src/crypto/case-keys.ts)
 * after moving anything of the case still under the node's key under it, in one transaction with its audit
 * entry: the case row keeps its non-personal facts, so the indicators and statistics still count it.
 */
@Injectable()
export class CaseRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CaseRetentionService.name);
  private readonly passes = new PeriodicPasses((error) =>
    this.logger.warn(`retention pass not completed: ${error.message}`),
  );
  private readonly ledger: ErasureLedger;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
  ) {
    this.ledger = new ErasureLedger(config.erasureLedgerFile);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.urgentLaneOnly) return; // the main thread did the boot's pass before starting that thread
    const erasedAgain = await this.eraseRestoredCases();
    if (erasedAgain.length > 0)
      this.logger.warn(`${erasedAgain.length} case(s) erased again: the database was restored from a backup`);
    this.passes.start(this.config.retentionCheckIntervalMs, () => this.eraseDue(new Date()));
  }

  onApplicationShutdown(): Promise<void> {
    return this.passes.stop();
  }

  async state(caseRef: string): Promise<RetentionState> {
    const found = await this.cases.find(this.dataSource.manager, caseRef);
    if (!found) throw notFound(caseRef);
    return this.stateOf(found);
  }

  /** Sets (or changes the reason of) the legal hold: the retention pass leaves the case alone. Audited. */
  async setHold(caseRef: string, reason: LegalHoldReason, actor: string): Promise<RetentionState> {
    return this.dataSource.transaction(async (manager) => {
      const found = await this.lockLive(manager, caseRef);
      const since = new Date();
      await manager.update(
        CaseEntity,
        { caseRef },
        { legalHold: reason, legalHoldBy: actor, legalHoldSince: since },
      );
      await this.audit.record(manager, {
        action: 'LEGAL_HOLD_SET',
        actor,
        caseRef,
        decision: 'ALLOW',
        reasonCode: reason,
      });
      return this.stateOf({ ...found, legalHold: reason, legalHoldBy: actor, legalHoldSince: since });
    });
  }

  /** Lifts the legal hold, with the reason code it was set for or why it ends. Audited. */
  async liftHold(caseRef: string, actor: string): Promise<RetentionState> {
    return this.dataSource.transaction(async (manager) => {
      const found = await this.lockLive(manager, caseRef);
      if (found.legalHold === null)
        throw new CaseError(CaseErrorCode.CASE_STATE_CONFLICT, `case ${caseRef} has no legal hold`);
      await manager.update(
        CaseEntity,
        { caseRef },
        { legalHold: null, legalHoldBy: null, legalHoldSince: null },
      );
      await this.audit.record(manager, {
        action: 'LEGAL_HOLD_LIFTED',
        actor,
        caseRef,
        decision: 'ALLOW',
        reasonCode: found.legalHold,
      });
      return this.stateOf({ ...found, legalHold: null, legalHoldBy: null, legalHoldSince: null });
    });
  }

  /** An admin asks to erase the case now: nothing happens until a second admin confirms. Audited. */
  async requestErasure(caseRef: string, actor: string): Promise<RetentionState> {
    return this.dataSource.transaction(async (manager) => {
      const found = await this.lockLive(manager, caseRef);
      this.refuseHeld(found);
      const at = new Date();
      await manager.update(CaseEntity, { caseRef }, { erasureRequestedBy: actor, erasureRequestedAt: at });
      await this.audit.record(manager, {
        action: 'CASE_ERASURE_REQUESTED',
        actor,
        caseRef,
        decision: 'ALLOW',
      });
      return this.stateOf({ ...found, erasureRequestedBy: actor, erasureRequestedAt: at });
    });
  }

  /**
   * A second admin confirms a requested erasure: the case's key is destroyed. The admin who asked cannot
   * confirm (four eyes, as for risk overrides): refused and audited.
   */
  async confirmErasure(caseRef: string, actor: string): Promise<RetentionState> {
    const refusal = await this.dataSource.transaction(async (manager) => {
      const found = await this.lockLive(manager, caseRef);
      this.refuseHeld(found);
      if (found.erasureRequestedBy === null)
        throw new CaseError(
          CaseErrorCode.CASE_STATE_CONFLICT,
          `no erasure of case ${caseRef} was requested: an admin asks first, a second one confirms`,
        );
      if (found.erasureRequestedBy === actor) {
        await this.audit.record(manager, {
          action: 'CASE_ERASURE_REFUSED',
          actor,
          caseRef,
          decision: 'DENY',
          reasonCode: 'SAME_ADMIN',
        });
        return true;
      }
      await this.erase(manager, caseRef, found, actor, 'ADMIN_REQUEST');
      return false;
    });
    if (!refusal) this.writeToLedger(caseRef);
    if (refusal)
      throw new CaseError(
        CaseErrorCode.CHANGE_REFUSED,
        'four eyes: the admin who requested the erasure cannot confirm it; a second admin must',
      );
    return this.state(caseRef);
  }

  /**
   * Erases every case past its retention period and not held, one transaction per case (rows claimed with
   * SKIP LOCKED, so instances share the work); returns the references erased. The clock is a parameter so a
   * test can look years ahead.
   */
  retentionPass(now: Date = new Date()): Promise<string[]> {
    return this.passes.run(() => this.eraseDue(now));
  }

  private async eraseDue(now: Date): Promise<string[]> {
    const erased: string[] = [];
    const seen: string[] = [];
    const days = this.config.retentionDays;
    for (;;) {
      const next = await this.dataSource.transaction(async (manager) => {
        const rows: Array<{ case_ref: string }> = await manager.query(
          `SELECT case_ref FROM cases
           WHERE erased_at IS NULL AND legal_hold IS NULL AND NOT (case_ref = ANY($4))
             AND ((status = 'CLOSED' AND $1 > 0 AND closed_at <= $3::timestamptz - make_interval(days => $1))
               OR (status = 'OPEN' AND $2 > 0 AND last_activity_at <= $3::timestamptz - make_interval(days => $2)))
           ORDER BY case_ref LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [days.CLOSED, days.OPEN, now, seen],
        );
        if (rows.length === 0) return null;
        const found = (await this.cases.findForUpdate(manager, rows[0].case_ref))!;
        // The rule, once more on the locked row: the SQL above only finds candidates.
        const due = isDueForErasure(found, days, now);
        if (due) await this.erase(manager, found.caseRef, found, this.nodeActor, 'RETENTION_EXPIRED');
        return { caseRef: found.caseRef, due };
      });
      if (next === null) return erased;
      seen.push(next.caseRef);
      if (next.due) {
        this.writeToLedger(next.caseRef);
        erased.push(next.caseRef);
      }
    }
  }

  /**
   * Erases again every case the erasure ledger lists that the database holds unerased: the database was
   * restored from a backup taken before the erasure, where the case's wrapped key is whole. Also writes into
   * the ledger any erasure it lacks (a crash between the commit and the append). Run at boot, before the node
   * serves; returns the references erased again.
   */
  async eraseRestoredCases(): Promise<string[]> {
    const listed = this.ledger.read();
    // Every erasure leaves its case's key destroyed (a tombstone, with or without a case row): one place to ask.
    const erasedHere: Array<{ case_ref: string }> = await this.dataSource.query(
      `SELECT case_ref FROM case_keys WHERE erased_at IS NOT NULL`,
    );
    const erasedRefs = new Set(erasedHere.map((r) => r.case_ref));
    this.ledger.append([...erasedRefs].filter((ref) => !listed.has(ref)));
    const restored = [...listed].filter((ref) => !erasedRefs.has(ref));
    for (const caseRef of restored)
      await this.dataSource.transaction(async (manager) => {
        const found = await this.cases.findForUpdate(manager, caseRef);
        await this.erase(manager, caseRef, found, this.nodeActor, 'ERASED_BEFORE_RESTORE');
      });
    return restored;
  }

  /** After the erasure committed: a failure here is mended at the next boot, from the database. */
  private writeToLedger(caseRef: string): void {
    try {
      this.ledger.append([caseRef]);
    } catch (error) {
      this.logger.error(
        `erasure of case ${caseRef} committed but not written to the erasure ledger ${this.ledger.file} ` +
          `(${(error as Error).message}): the next boot writes it in`,
      );
    }
  }

  private get nodeActor(): string {
    return `node:${this.config.country}`;
  }

  /**
   * Moves anything of the case still under the node's key under the case's key, then destroys that key:
   * every personal value of the case is unreadable from now on (a backup taken before, once restored, is
   * erased again at boot: the erasure ledger). Local secrets go entirely. The audit entry holds codes only.
   */
  private async erase(
    manager: EntityManager,
    caseRef: string,
    found: CaseEntity | null,
    actor: string,
    trigger: ErasureTrigger,
  ): Promise<void> {
    await moveCaseValues(manager, this.cipher, boundColumnsOf(this.dataSource), caseRef);
    await manager.query(`DELETE FROM local_secrets WHERE case_ref = $1`, [caseRef]);
    // A peer's rejection reason is free text in clear (docs/data-at-rest.md): it goes with the case's data.
    await manager.query(`UPDATE messages SET reason = NULL WHERE case_ref = $1 AND reason IS NOT NULL`, [
      caseRef,
    ]);
    await new CaseKeys(this.cipher).destroy((sql, params) => manager.query(sql, params), caseRef);
    await manager.update(
      CaseEntity,
      { caseRef },
      { erasedAt: new Date(), erasureRequestedBy: null, erasureRequestedAt: null },
    );
    await this.audit.record(manager, {
      action: 'CASE_ERASED',
      actor,
      caseRef,
      decision: 'ALLOW',
      reasonCode: trigger,
      // No case row: a restored database older than the case, where only messages on it may be.
      details: found
        ? {
            status: found.status,
            // The countries that received the case's data: told by other means (docs/retention.md, "Peers").
            countries: found.countries,
            ...(found.erasureRequestedBy && trigger === 'ADMIN_REQUEST'
              ? { requestedBy: found.erasureRequestedBy }
              : {}),
          }
        : {},
    });
  }

  private async lockLive(manager: EntityManager, caseRef: string): Promise<CaseEntity> {
    const found = await this.cases.findForUpdate(manager, caseRef);
    if (!found) throw notFound(caseRef);
    // An erased case is refused by findForUpdate (CaseErasedError: 409).
    return found;
  }

  private refuseHeld(found: CaseEntity): void {
    if (found.legalHold !== null)
      throw new CaseError(
        CaseErrorCode.CASE_STATE_CONFLICT,
        `case ${found.caseRef} is under a legal hold (${found.legalHold}): lift it before erasing`,
      );
  }

  private stateOf(c: CaseEntity): RetentionState {
    return {
      caseRef: c.caseRef,
      status: c.status,
      retentionEndsAt: retentionEndsAt(c, this.config.retentionDays),
      legalHold:
        c.legalHold && c.legalHoldBy && c.legalHoldSince
          ? { reason: c.legalHold, by: c.legalHoldBy, since: c.legalHoldSince }
          : null,
      erasureRequest:
        c.erasureRequestedBy && c.erasureRequestedAt
          ? { by: c.erasureRequestedBy, at: c.erasureRequestedAt }
          : null,
      erasedAt: c.erasedAt,
    };
  }
}

function notFound(caseRef: string): CaseError {
  return new CaseError(CaseErrorCode.CASE_NOT_FOUND, `no case ${caseRef} on this node`);
}
