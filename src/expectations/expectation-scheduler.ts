import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { PeriodicPasses } from '../common/periodic-passes';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { NationalEvents } from '../transport/national-exchange';
import { dueAtIsPersonal, escalationPeriod, overdueStep } from './expectation-rules';
import { ExpectationEntity } from './expectation.entity';
import { OverdueChange, ExpectationsRepository } from './expectations.repository';
import { addressed, ExpectationsService } from './expectations.service';

/**
 * Marks overdue expectations and escalates them, every TRM_EXPECTATION_CHECK_SECONDS. Each expectation's
 * step is audited and published on the national exchange in a transaction of its own: a failed publish
 * rolls back that step only (the steps before it stay done, their events stay out) and the next tick tries
 * it again. Events are at least once, and a retried event keeps its message id
 * (`<expectationId>:<level>:<kind>`) so consumers can drop the copy. The row lock is held for one
 * expectation's publish only, so an answer to any other expectation is never kept waiting on the broker.
 * Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several instances of one node never handle the same
 * expectation twice.
 */
@Injectable()
export class ExpectationScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpectationScheduler.name);
  private readonly passes = new PeriodicPasses((error) =>
    this.logger.warn(`overdue expectations not processed: ${error.message}`),
  );

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly repository: ExpectationsRepository,
    private readonly expectations: ExpectationsService,
    private readonly audit: AuditService,
    private readonly events: NationalEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.passes.start(this.config.expectationCheckIntervalMs, () => this.processAll(new Date()));
  }

  onApplicationShutdown(): Promise<void> {
    return this.passes.stop();
  }

  /**
   * Handles every expectation due at `now` and returns how many. The clock is a parameter so that a test
   * (or an operator's tool) can look an hour ahead without waiting an hour.
   */
  tick(now: Date = new Date()): Promise<number> {
    return this.passes.run(() => this.processAll(now));
  }

  private async processAll(now: Date): Promise<number> {
    let handled = 0;
    for (;;) {
      const done = await this.dataSource.transaction(async (manager) => {
        const due = await this.repository.claimNextDue(manager, now);
        if (due) await this.step(manager, due, now);
        return due !== null;
      });
      if (!done) return handled;
      handled += 1;
    }
  }

  private async step(manager: EntityManager, e: ExpectationEntity, now: Date): Promise<void> {
    const contacts = this.expectations.contacts(e.owedBy, e.sop);
    const step = overdueStep(e, contacts.length);
    const period = escalationPeriod(e.requestType, this.config.deadlines, this.config.returnMarginMs);
    const change: OverdueChange = {
      status: 'OVERDUE',
      overdueAt: e.overdueAt ?? now,
      escalationLevel: e.escalationLevel,
      contact: e.contact,
      escalations: e.escalations,
      escalationExhaustedAt: null,
      // Each contact escalated to gets the same time to answer as the first.
      nextCheckAt: new Date(now.getTime() + period),
    };
    if (step.kind === 'ESCALATE') {
      change.escalationLevel = step.level;
      change.contact = addressed(contacts[step.level]);
      change.escalations = [
        ...e.escalations,
        { level: step.level, contact: change.contact, at: now.toISOString() },
      ];
    } else {
      change.escalationExhaustedAt = now;
      change.nextCheckAt = null;
    }
    await this.repository.applyOverdueChange(manager, e.id, change);

    const about = {
      actor: `node:${this.config.country}`,
      caseRef: e.caseRef,
      messageId: e.requestMessageId,
      messageType: e.requestType,
      counterpart: e.direction === 'AWAITED' ? e.owedBy : e.owedTo,
    };
    // A return step's deadline gives away the departure or follow-up date: neither the audit trail nor the
    // national exchange (whose bodies hold no personal data) gets it.
    const due = dueAtIsPersonal(e.requestType) ? {} : { dueAt: e.dueAt.toISOString() };
    const event = {
      expectationId: e.id,
      caseRef: e.caseRef,
      requestMessageId: e.requestMessageId,
      requestType: e.requestType,
      expectedTypes: e.expectedTypes,
      direction: e.direction,
      owedBy: e.owedBy,
      owedTo: e.owedTo,
      sop: e.sop,
      ...due,
      escalationLevel: change.escalationLevel,
      contact: change.contact,
    };
    if (step.markOverdue) {
      await this.audit.record(manager, {
        ...about,
        action: 'EXPECTATION_OVERDUE',
        details: { expectationId: e.id, direction: e.direction, owedBy: e.owedBy, ...due },
      });
      await this.events.publish('expectation.overdue', event, eventId(e, change, 'overdue'));
    }
    if (step.kind === 'ESCALATE') {
      await this.audit.record(manager, {
        ...about,
        action: 'EXPECTATION_ESCALATED',
        details: { expectationId: e.id, owedBy: e.owedBy, level: step.level, contact: change.contact },
      });
      await this.events.publish('expectation.escalated', event, eventId(e, change, 'escalated'));
    } else {
      await this.audit.record(manager, {
        ...about,
        action: 'EXPECTATION_ESCALATION_EXHAUSTED',
        details: {
          expectationId: e.id,
          owedBy: e.owedBy,
          contactsTried: e.escalationLevel + (e.contact ? 1 : 0),
        },
      });
      await this.events.publish('expectation.exhausted', event, eventId(e, change, 'exhausted'));
    }
    this.logger.warn(
      `expectation ${e.id} ${e.requestType} case ${e.caseRef} owed by ${e.owedBy}: ${
        step.kind === 'ESCALATE'
          ? `overdue, escalated to contact ${step.level}`
          : 'overdue, every contact tried'
      }`,
    );
  }
}

/** The same step of the same expectation always has the same event id, however often it is published. */
function eventId(
  e: ExpectationEntity,
  change: OverdueChange,
  kind: 'overdue' | 'escalated' | 'exhausted',
): string {
  return `${e.id}:${change.escalationLevel}:${kind}`;
}
