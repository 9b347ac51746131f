import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import {
  answerTimeIndicators,
  CaseIdentification,
  EscalationRow,
  escalationIndicators,
  evidenceContactIndicator,
  EvidenceContactRow,
  familyTracingIndicator,
  FamilyTracingRow,
  followUpIndicator,
  FollowUpRow,
  ExpectationRow,
  IdentificationChange,
  RefusalCount,
  returnChecklistIndicator,
  ReturnChecklistRow,
  returnsDuringIdentification,
  withdrawalIndicator,
  WithdrawalRow,
} from './indicators';
import type { IndicatorsView } from './indicators.dto';

export interface IndicatorsQuery {
  from: Date | null;
  to: Date;
  country: string | null;
}

/**
 * The SOP-compliance indicators of docs/indicators.md, computed by this node from its own audit trail,
 * expectations and cases, for a period and optionally one partner country. Reads only, in one snapshot.
 */
@Injectable()
export class IndicatorsService {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
  ) {}

  async compute(query: IndicatorsQuery): Promise<IndicatorsView> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const period = [query.from ?? new Date(0), query.to, query.country] as const;
      const [refusals, withdrawals, expectations, escalations, returns] = [
        await this.refusals(manager, period),
        await this.withdrawals(manager, period),
        await this.expectations(manager, period),
        await this.escalations(manager, period),
        await this.returns(manager, period),
      ];
      const evidence = await this.evidenceContacts(manager, period);
      const familyTracing = await this.familyTracing(manager, period);
      const checklists = await this.returnChecklists(manager, period);
      const [childArrivals, followUps] = await this.followUps(manager, period);
      return {
        node: this.config.country,
        from: query.from?.toISOString() ?? null,
        to: query.to.toISOString(),
        country: query.country,
        refusals,
        consentWithdrawals: withdrawalIndicator(withdrawals),
        answerTimes: answerTimeIndicators(expectations, query.to),
        escalations: escalationIndicators(escalations),
        returnsDuringIdentification: returns,
        evidenceContactsWithOrigin: evidenceContactIndicator(evidence),
        familyTracing: familyTracingIndicator(familyTracing),
        returnChecklists: returnChecklistIndicator(checklists),
        childFollowUps: followUpIndicator(childArrivals, followUps, query.to),
      };
    });
  }

  /** Refused by this node before sending, by this node on receipt, or by the partner on receipt. */
  private async refusals(manager: EntityManager, [from, to, country]: Period): Promise<RefusalCount[]> {
    const rows: RefusalCount[] = await manager.query(
      `SELECT CASE action WHEN 'MESSAGE_REFUSED' THEN 'SENDING' WHEN 'MESSAGE_REJECTED' THEN 'RECEIVING'
                          ELSE 'PARTNER' END AS gate,
              coalesce(reason_code, 'UNKNOWN') AS "reasonCode", coalesce(counterpart, '') AS country,
              count(*)::int AS count
       FROM audit_log
       WHERE action IN ('MESSAGE_REFUSED', 'MESSAGE_REJECTED', 'REJECTION_RECEIVED')
         AND at >= $1 AND at < $2 AND ($3::text IS NULL OR counterpart = $3)
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [from, to, country],
    );
    return rows;
  }

  private async withdrawals(manager: EntityManager, [from, to, country]: Period): Promise<WithdrawalRow[]> {
    const rows: Array<{ notified: string[] | null; notNotified: string[] | null }> = await manager.query(
      `SELECT ARRAY(SELECT jsonb_array_elements_text(coalesce(details->'notified', '[]'))) AS notified,
              ARRAY(SELECT jsonb_array_elements_text(coalesce(details->'notNotified', '[]'))) AS "notNotified"
       FROM audit_log WHERE action = 'CONSENT_WITHDRAWN' AND at >= $1 AND at < $2 ORDER BY seq`,
      [from, to],
    );
    // For one country: the withdrawals it had to be told of, and whether it was.
    return rows
      .map((row) => ({ notified: row.notified ?? [], notNotified: row.notNotified ?? [] }))
      .map((row) =>
        country
          ? {
              notified: row.notified.filter((c) => c === country),
              notNotified: row.notNotified.filter((c) => c === country),
            }
          : row,
      )
      .filter((row) => !country || row.notified.length + row.notNotified.length > 0);
  }

  private async expectations(manager: EntityManager, [from, to, country]: Period): Promise<ExpectationRow[]> {
    return manager.query(
      `SELECT request_type AS "requestType", direction,
              CASE direction WHEN 'AWAITED' THEN owed_by ELSE owed_to END AS country,
              requested_at AS "requestedAt", due_at AS "dueAt", answered_at AS "answeredAt", status
       FROM expectations
       WHERE requested_at >= $1 AND requested_at < $2
         AND ($3::text IS NULL OR CASE direction WHEN 'AWAITED' THEN owed_by ELSE owed_to END = $3)`,
      [from, to, country],
    );
  }

  private async escalations(manager: EntityManager, [from, to, country]: Period): Promise<EscalationRow[]> {
    return manager.query(
      `SELECT action, coalesce(counterpart, '') AS country, count(*)::int AS count
       FROM audit_log
       WHERE action IN ('EXPECTATION_OVERDUE', 'EXPECTATION_ESCALATED', 'EXPECTATION_ESCALATION_EXHAUSTED')
         AND at >= $1 AND at < $2 AND ($3::text IS NULL OR counterpart = $3)
       GROUP BY 1, 2`,
      [from, to, country],
    );
  }

  private async evidenceContacts(
    manager: EntityManager,
    [from, to, country]: Period,
  ): Promise<EvidenceContactRow[]> {
    return manager.query(evidenceQuery(), [from, to, country]);
  }

  /** FAMILY_TRACING_REQUESTs sent or applied here, with the conditions recorded at that moment. */
  private async familyTracing(manager: EntityManager, period: Period): Promise<FamilyTracingRow[]> {
    const rows: Array<{ details: FamilyTracingRow['conditions'] }> = await manager.query(
      recordedAtTheMoment('FAMILY_TRACING_REQUEST', 'FAMILY_TRACING_CONDITIONS'),
      [...period],
    );
    return rows.map((r) => ({ conditions: r.details }));
  }

  /** Arrivals sent or applied here, with the return checklist recorded as it stood at departure. */
  private async returnChecklists(manager: EntityManager, period: Period): Promise<ReturnChecklistRow[]> {
    const rows: Array<{ details: ReturnChecklistRow['atDeparture'] }> = await manager.query(
      recordedAtTheMoment('ARRIVAL_CONFIRMATION', 'RETURN_CHECKLIST_AT_DEPARTURE'),
      [...period],
    );
    return rows.map((r) => ({ atDeparture: r.details }));
  }

  /**
   * Children's arrivals sent or applied here, and the follow-up reports their arrivals scheduled (the
   * expectations an ARRIVAL_CONFIRMATION opened), on the cases whose person is treated as a child today.
   */
  private async followUps(
    manager: EntityManager,
    [from, to, country]: Period,
  ): Promise<[number, FollowUpRow[]]> {
    const [{ arrivals }]: Array<{ arrivals: number }> = await manager.query(
      `SELECT count(*)::int AS arrivals FROM audit_log a JOIN cases c ON c.case_ref = a.case_ref
       WHERE a.action IN ('MESSAGE_QUEUED', 'MESSAGE_RECEIVED') AND a.message_type = 'ARRIVAL_CONFIRMATION'
         AND ${CHILD_CASE} AND a.at >= $1 AND a.at < $2 AND ($3::text IS NULL OR a.counterpart = $3)`,
      [from, to, country],
    );
    const rows: FollowUpRow[] = await manager.query(
      `SELECT e.due_at AS "dueAt", e.answered_at AS "answeredAt", e.status
       FROM expectations e JOIN cases c ON c.case_ref = e.case_ref
       WHERE e.request_type = 'ARRIVAL_CONFIRMATION' AND ${CHILD_CASE}
         AND e.requested_at >= $1 AND e.requested_at < $2
         AND ($3::text IS NULL OR CASE e.direction WHEN 'AWAITED' THEN e.owed_by ELSE e.owed_to END = $3)`,
      [from, to, country],
    );
    return [arrivals, rows];
  }

  /** RETURN_PLAN messages sent (queued) or applied here, against the identification status at that moment. */
  private async returns(
    manager: EntityManager,
    [from, to, country]: Period,
  ): Promise<IndicatorsView['returnsDuringIdentification']> {
    const plans: Array<{ caseRef: string; seq: string; country: string }> = await manager.query(
      `SELECT case_ref AS "caseRef", seq::text AS seq, counterpart AS country FROM audit_log
       WHERE action IN ('MESSAGE_QUEUED', 'MESSAGE_RECEIVED') AND message_type = 'RETURN_PLAN'
         AND case_ref IS NOT NULL AND at >= $1 AND at < $2 AND ($3::text IS NULL OR counterpart = $3)`,
      [from, to, country],
    );
    const refs = [...new Set(plans.map((p) => p.caseRef))];
    const cases = new Map<string, CaseIdentification>();
    if (refs.length > 0) {
      const current: Array<{ caseRef: string; owner: string | null; own: string | null }> =
        await manager.query(
          `SELECT case_ref AS "caseRef", identification_status AS owner, own_identification_status AS own
         FROM cases WHERE case_ref = ANY($1)`,
          [refs],
        );
      const changes: Array<{
        caseRef: string;
        seq: string;
        target: string | null;
        from: string | null;
        to: string | null;
      }> = await manager.query(
        `SELECT case_ref AS "caseRef", seq::text AS seq, details->>'target' AS target,
                  details->>'from' AS "from", details->>'to' AS "to"
           FROM audit_log WHERE action = 'CASE_IDENTIFICATION_STATUS_SET' AND case_ref = ANY($1)`,
        [refs],
      );
      for (const c of current) {
        cases.set(c.caseRef, {
          identificationStatus: c.owner,
          ownIdentificationStatus: c.own,
          changes: changes
            .filter((ch) => ch.caseRef === c.caseRef)
            .map((ch): IdentificationChange => ({
              seq: Number(ch.seq),
              target: ch.target === 'OWN_VIEW' ? 'OWN_VIEW' : 'OWNER_STATUS',
              from: ch.from,
              to: ch.to,
            })),
        });
      }
    }
    return returnsDuringIdentification(
      plans.map((p) => ({ caseRef: p.caseRef, seq: Number(p.seq), country: p.country })),
      cases,
    );
  }
}

/**
 * EVIDENCE_REQUESTs this node queued to the case's origin: the origin as the case records it today (roles
 * inferred from referrals are not audited as they change; a coordinator's changes are).
 */
function evidenceQuery(): string {
  return `SELECT a.legal_basis AS "legalBasis", a.details->>'consentId' AS "consentId"
          FROM audit_log a JOIN cases c ON c.case_ref = a.case_ref
          WHERE a.action = 'MESSAGE_QUEUED' AND a.message_type = 'EVIDENCE_REQUEST'
            AND c.country_roles->>a.counterpart = 'ORIGIN'
            AND a.at >= $1 AND a.at < $2 AND ($3::text IS NULL OR a.counterpart = $3)`;
}

/**
 * The messages of `type` sent (queued) or applied here in the period, each with the details of the entry the
 * node recorded for it at that moment (`action`), or null for one exchanged before it recorded them.
 */
function recordedAtTheMoment(type: string, action: string): string {
  return `SELECT f.details FROM audit_log m
          LEFT JOIN audit_log f ON f.action = '${action}' AND f.message_id = m.message_id
          WHERE m.action IN ('MESSAGE_QUEUED', 'MESSAGE_RECEIVED') AND m.message_type = '${type}'
            AND m.at >= $1 AND m.at < $2 AND ($3::text IS NULL OR m.counterpart = $3)`;
}

/** Age presumption (src/cases/age-presumption.ts, isChildCase): only a documented adult is not a child. */
const CHILD_CASE = `c.age_status IS NOT NULL AND c.age_status <> 'DOCUMENTED_ADULT'`;

type Period = readonly [Date, Date, string | null];
