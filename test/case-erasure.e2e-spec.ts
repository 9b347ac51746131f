import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { createSecretKey, KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { AuditSealer } from '../src/audit/audit-sealer';
import { AuditService } from '../src/audit/audit.service';
import { verifyAuditChain } from '../src/audit/audit-verifier';
import { CaseEntity } from '../src/cases/case.entity';
import { CaseFactEntity } from '../src/cases/case-fact.entity';
import { CaseRetentionService } from '../src/cases/case-retention.service';
import { CasesRepository } from '../src/cases/cases.repository';
import { NodeConfig } from '../src/config/config';
import { ConsentRecordEntity } from '../src/consent/consent-record.entity';
import { bindFieldCipher, EncryptedColumnInfo, PlainKind, toPlain } from '../src/crypto/encrypted-column';
import {
  ensureDataKey,
  FieldCipher,
  isCaseSealed,
  isSealedValue,
  openForCase,
} from '../src/crypto/field-cipher';
import { prepareStoredFields } from '../src/crypto/field-rekey';
import { ENTITIES } from '../src/entities';
import { InboundWireEntity } from '../src/evidence/inbound-wire.entity';
import { RiskAssessmentEntity } from '../src/risk/risk-assessment.entity';
import { MessageRecordEntity } from '../src/transfers/message-record.entity';
import { ThrowawayDatabase } from './support/throwaway-database';

/** A marker in every personal value of a case, so that any plaintext left anywhere is found. */
const marker = (caseRef: string) => `Zqx${caseRef.slice(-6)}Ана`;

/**
 * Erasure by crypto-shredding (docs/retention.md, docs/data-at-rest.md "Per-case keys"), on real PostgreSQL:
 * values an older node stored under its own key move under each case's key at boot; erasing a case destroys
 * its key, after which no column of any row of the case holds a value that opens, nor any plaintext, while
 * the other cases read as before, the audit chain verifies end to end and the case row keeps its
 * non-personal facts. The retention pass erases only the cases due, and a legal hold stops it.
 */
describe('case erasure by crypto-shredding (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;
  let dataSource: DataSource;
  let cipher: FieldCipher;
  let columns: EncryptedColumnInfo[];
  let retention: CaseRetentionService;
  let config: NodeConfig;

  /** Writes a case with a value in every encrypted column, as a node before per-case keys stored them (v2). */
  async function olderCase(caseRef: string, closedAt: Date | null): Promise<void> {
    const m = marker(caseRef);
    const v2 = (kind: PlainKind, value: unknown, column: string, id: string) =>
      cipher.sealRow(toPlain(kind, value), column, id);
    const q = (sql: string, params: unknown[]) => dataSource.query(sql, params);
    const caseId = randomUUID();
    await q(
      `INSERT INTO cases (id, case_ref, owner_country, managers, guardian, status, closed_at, sex, age_band,
         exploitation_types, countries)
       VALUES ($1, $2, 'FR', $3, $4, $5, $6, 'F', '15-17', '{SEXUAL}', '{MK}')`,
      [
        caseId,
        caseRef,
        v2(
          'json',
          [{ country: 'FR', name: `Claire ${m}`, institution: 'ASE', role: 'manager' }],
          'cases.managers',
          caseId,
        ),
        v2(
          'json',
          { kind: 'GUARDIAN', institution: `ASE ${m}`, appointedAt: '2020-01-01' },
          'cases.guardian',
          caseId,
        ),
        closedAt ? 'CLOSED' : 'OPEN',
        closedAt,
      ],
    );
    const messageId = randomUUID();
    await q(
      `INSERT INTO messages (id, case_ref, direction, type, counterpart, legal_basis, payload, status, reason)
       VALUES ($1, $2, 'INBOUND', 'REFERRAL_REQUEST', 'MK', 'CONSENT', $3, 'REJECTED', $4)`,
      [
        messageId,
        caseRef,
        v2('json', { person: { givenName: m } }, 'messages.payload', messageId),
        `not ${m}`,
      ],
    );
    await q(
      `INSERT INTO inbound_wire (id, case_ref, sender, key_id, body, signature) VALUES ($1, $2, 'MK', 'k', $3, 's')`,
      [messageId, caseRef, v2('bytes', Buffer.from(`{"sealed":"${m}"}`), 'inbound_wire.body', messageId)],
    );
    const consentId = randomUUID();
    await q(
      `INSERT INTO consent_records (id, case_ref, scopes, recipients, given_by, child_view, informed,
         informed_language, recorded_by, given_at)
       VALUES ($1, $2, '{RETURN}', '{MK}', 'GUARDIAN', $3, true, 'mk', 'api:x', now())`,
      [
        consentId,
        caseRef,
        v2('text', `${m} wants to see her sister`, 'consent_records.child_view', consentId),
      ],
    );
    const assessmentId = randomUUID();
    await q(
      `INSERT INTO risk_assessments (id, case_ref, country, level, factors, summary, protection_plan, complete,
         assessed_by, assessed_at, valid_until)
       VALUES ($1, $2, 'FR', 'HIGH', $3, $4, $5, true, 'api:x', now(), now() + interval '1 day')`,
      [
        assessmentId,
        caseRef,
        v2(
          'json',
          [{ code: 'RF-02', status: 'PRESENT', evidence: m }],
          'risk_assessments.factors',
          assessmentId,
        ),
        v2('text', `${m}: high risk`, 'risk_assessments.summary', assessmentId),
        v2('text', `${m}: escorted travel`, 'risk_assessments.protection_plan', assessmentId),
      ],
    );
    const overrideId = randomUUID();
    await q(
      `INSERT INTO risk_overrides (id, case_ref, assessment_id, message_type, reason, overridden_by)
       VALUES ($1, $2, $3, 'RETURN_PLAN', $4, 'api:x')`,
      [
        overrideId,
        caseRef,
        assessmentId,
        v2('text', `${m}: joint plan signed`, 'risk_overrides.reason', overrideId),
      ],
    );
    const factId = randomUUID();
    await q(
      `INSERT INTO case_facts (id, case_ref, kind, fact, recorded_by) VALUES ($1, $2, 'THREAT', $3, 'api:x')`,
      [
        factId,
        caseRef,
        v2('json', { reportedBy: 'Police', kind: `threats to ${m}` }, 'case_facts.fact', factId),
      ],
    );
    const secretId = randomUUID();
    await q(
      `INSERT INTO local_secrets (id, case_ref, label, value, recorded_by) VALUES ($1, $2, $3, $4, 'api:x')`,
      [
        secretId,
        caseRef,
        v2('text', `Shelter of ${m}`, 'local_secrets.label', secretId),
        v2('text', `Rruga ${m} 112`, 'local_secrets.value', secretId),
      ],
    );
    await new AuditService().record(dataSource.manager, { action: 'CASE_OPENED', actor: 'api:x', caseRef });
  }

  /** Every table with a `case_ref` column (and the outbox, by message): the rows of the case, every column. */
  async function rowsOfCase(
    caseRef: string,
  ): Promise<Array<{ table: string; row: Record<string, unknown> }>> {
    const tables: Array<{ table: string }> = await dataSource.query(
      `SELECT table_name AS table FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name = 'case_ref' ORDER BY table_name`,
    );
    const found: Array<{ table: string; row: Record<string, unknown> }> = [];
    for (const { table } of tables) {
      const rows: Array<Record<string, unknown>> = await dataSource.query(
        `SELECT to_jsonb(t) AS row FROM "${table}" t WHERE case_ref = $1`,
        [caseRef],
      );
      for (const { row } of rows as Array<{ row: Record<string, unknown> }>) found.push({ table, row });
    }
    const outbox: Array<{ row: Record<string, unknown> }> = await dataSource.query(
      `SELECT to_jsonb(o) AS row FROM outbox o JOIN messages m ON m.id = o.message_id WHERE m.case_ref = $1`,
      [caseRef],
    );
    return [...found, ...outbox.map(({ row }) => ({ table: 'outbox', row }))];
  }

  /** Every case key the database still holds, unwrapped. */
  async function caseKeysLeft(): Promise<KeyObject[]> {
    const rows: Array<{ case_ref: string; wrapped_key: string }> = await dataSource.query(
      `SELECT case_ref, wrapped_key FROM case_keys WHERE wrapped_key IS NOT NULL`,
    );
    return rows.map((r) => createSecretKey(cipher.open(r.wrapped_key, 'case_keys.wrapped_key', r.case_ref)));
  }

  const nonPersonalFacts = (caseRef: string) =>
    dataSource.query(
      `SELECT case_ref, owner_country, countries, status, opened_at, closed_at, phases, sex, age_band,
              exploitation_types, identification_status, age_status
       FROM cases WHERE case_ref = $1`,
      [caseRef],
    );

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
    config = {
      country: 'FR',
      retentionDays: { CLOSED: 1825, OPEN: 0 },
      retentionCheckIntervalMs: 0,
      erasureLedgerFile: path.join(scratch.keysDir, 'FR.erasures'),
    } as NodeConfig;
    dataSource = await scratch.open({ entities: ENTITIES, migrations: MIGRATIONS });
    await dataSource.runMigrations();
    ensureDataKey(scratch.keysDir, 'FR');
    cipher = FieldCipher.load(scratch.keysDir, 'FR');
    const sixYearsAgo = new Date(Date.now() - 6 * 365 * 24 * 3600 * 1000);
    const oneYearAgo = new Date(Date.now() - 365 * 24 * 3600 * 1000);
    await olderCase('TRM-FR-2020-000001', sixYearsAgo); // erased by two admins
    await olderCase('TRM-FR-2020-000002', sixYearsAgo); // erased by the retention pass
    await olderCase('TRM-FR-2020-000003', oneYearAgo); // not due
    await olderCase('TRM-FR-2020-000004', sixYearsAgo); // held
    await olderCase('TRM-FR-2020-000005', null); // open
    columns = bindFieldCipher(dataSource, cipher, { caseKeys: true });
    retention = new CaseRetentionService(
      config,
      dataSource,
      cipher,
      new CasesRepository(),
      new AuditService(),
    );
  });

  afterAll(() => scratch?.drop());

  it('moves every value of a case under the case’s own key at boot (the migration’s re-encryption), and reads them as they were', async () => {
    const progress: string[] = [];
    await prepareStoredFields(dataSource, cipher, columns, (line) => progress.push(line));
    expect(progress[0]).toBe("binding 60 stored values to their rows (v2) or their cases' keys (v3)");
    const ref = 'TRM-FR-2020-000001';
    // Every encrypted column of a table naming the case; the outboxes hold payloads sealed for the recipient.
    const caseKeyed = columns.filter((c) => c.caseColumn !== null);
    expect(
      columns
        .filter((c) => c.caseColumn === null)
        .map((c) => `${c.table}.${c.column}`)
        .sort(),
    ).toEqual(['agency_replies.body', 'case_keys.wrapped_key', 'outbox.body']);
    for (const c of caseKeyed) {
      const values: Array<{ value: string }> = await dataSource.query(
        `SELECT "${c.column}" AS value FROM "${c.table}" WHERE case_ref = $1`,
        [ref],
      );
      expect({ column: `${c.table}.${c.column}`, v3: values.map((v) => isCaseSealed(v.value)) }).toEqual({
        column: `${c.table}.${c.column}`,
        v3: [true],
      });
    }
    expect(
      await dataSource.query(
        `SELECT count(*)::int AS n FROM case_keys WHERE wrapped_key LIKE 'v2.FR-data-1.%'`,
      ),
    ).toEqual([{ n: 5 }]);
    const m = marker(ref);
    const loaded = await dataSource.manager.findOneByOrFail(CaseEntity, { caseRef: ref });
    expect(loaded.managers).toEqual([
      { country: 'FR', name: `Claire ${m}`, institution: 'ASE', role: 'manager' },
    ]);
    const message = await dataSource.manager.findOneByOrFail(MessageRecordEntity, { caseRef: ref });
    expect(message.payload).toEqual({ person: { givenName: m } });
    const wire = await dataSource.manager.findOneByOrFail(InboundWireEntity, { caseRef: ref });
    expect(wire.body?.toString()).toBe(`{"sealed":"${m}"}`);
    // New values of a case go straight under its key.
    await dataSource.manager.insert(CaseFactEntity, {
      caseRef: ref,
      kind: 'THREAT',
      fact: { reportedBy: 'NGO', kind: `new threat to ${m}` },
      recordedBy: 'api:x',
    });
    const [fact] = await dataSource.query(
      `SELECT fact FROM case_facts WHERE case_ref = $1 AND recorded_at = (SELECT max(recorded_at) FROM case_facts WHERE case_ref = $1)`,
      [ref],
    );
    expect(isCaseSealed(fact.fact)).toBe(true);
  });

  it('erases a case on two admins’ word (four eyes): afterwards no column of any of its rows opens or holds plaintext', async () => {
    const ref = 'TRM-FR-2020-000001';
    const before = await nonPersonalFacts(ref);
    await new AuditSealer(dataSource).sealNow();
    await retention.requestErasure(ref, 'api:admin1');
    await expect(retention.confirmErasure(ref, 'api:admin1')).rejects.toThrow(/four eyes/);
    const state = await retention.confirmErasure(ref, 'api:admin2');
    expect(state.erasedAt).toBeInstanceOf(Date);

    const keys = await caseKeysLeft();
    expect(keys).toHaveLength(4);
    const m = marker(ref);
    const rows = await rowsOfCase(ref);
    expect(new Set(rows.map((r) => r.table))).toEqual(
      new Set([
        'audit_log',
        'case_keys',
        'case_facts',
        'cases',
        'consent_records',
        'inbound_wire',
        'messages',
        'risk_assessments',
        'risk_overrides',
      ]),
    );
    let ciphertexts = 0;
    for (const { table, row } of rows) {
      for (const [column, value] of Object.entries(row)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const where = `${table}.${column}`;
        // No plaintext, in any column, in any escape.
        for (const form of [m, JSON.stringify(m).slice(1, -1), m.slice(0, 6)])
          expect({ where, leaks: text?.includes(form) ?? false }).toEqual({ where, leaks: false });
        if (typeof value !== 'string') continue;
        if (isCaseSealed(value)) {
          ciphertexts++;
          // Under no case key the database still holds.
          for (const key of keys) expect(() => openForCase(key, value, where, String(row.id))).toThrow();
        } else if (isSealedValue(value)) {
          ciphertexts++;
          expect(() => cipher.open(value, where, String(row.id ?? row.case_ref))).toThrow();
        }
      }
    }
    // managers, guardian, payload, wire body, child view, factors, summary, plan, override reason, 2 facts.
    expect(ciphertexts).toBe(11);
    expect(
      await dataSource.query(
        `SELECT wrapped_key, erased_at IS NOT NULL AS erased FROM case_keys WHERE case_ref = $1`,
        [ref],
      ),
    ).toEqual([{ wrapped_key: null, erased: true }]);

    // The node reads the case's personal values as gone, and its other cases as they were.
    const erased = await dataSource.manager.findOneByOrFail(CaseEntity, { caseRef: ref });
    expect([erased.managers, erased.guardian]).toEqual([null, null]);
    const assessment = await dataSource.manager.findOneByOrFail(RiskAssessmentEntity, { caseRef: ref });
    expect([assessment.factors, assessment.summary]).toEqual([null, null]);
    const other = await dataSource.manager.findOneByOrFail(ConsentRecordEntity, {
      caseRef: 'TRM-FR-2020-000003',
    });
    expect(other.childView).toBe(`${marker('TRM-FR-2020-000003')} wants to see her sister`);
    // No personal data can be written for it any more.
    await expect(
      dataSource.manager.insert(CaseFactEntity, {
        caseRef: ref,
        kind: 'THREAT',
        fact: {},
        recordedBy: 'api:x',
      }),
    ).rejects.toThrow(`case ${ref} is erased: no personal data can be stored for it`);

    // The case row keeps its non-personal facts: the indicators and statistics still count it.
    expect(await nonPersonalFacts(ref)).toEqual(before);
    // The erasure is audited (codes only), and the audit chain verifies end to end.
    const audited = await dataSource.query(
      `SELECT action, actor, decision, reason_code, details FROM audit_log
       WHERE case_ref = $1 AND action LIKE 'CASE_ERASURE%' OR (case_ref = $1 AND action = 'CASE_ERASED') ORDER BY seq`,
      [ref],
    );
    expect(audited).toEqual([
      {
        action: 'CASE_ERASURE_REQUESTED',
        actor: 'api:admin1',
        decision: 'ALLOW',
        reason_code: null,
        details: {},
      },
      {
        action: 'CASE_ERASURE_REFUSED',
        actor: 'api:admin1',
        decision: 'DENY',
        reason_code: 'SAME_ADMIN',
        details: {},
      },
      {
        action: 'CASE_ERASED',
        actor: 'api:admin2',
        decision: 'ALLOW',
        reason_code: 'ADMIN_REQUEST',
        details: { status: 'CLOSED', countries: ['MK'], requestedBy: 'api:admin1' },
      },
    ]);
    await new AuditSealer(dataSource).sealNow();
    const report = await verifyAuditChain(scratch.url);
    expect({ ok: report.ok, problems: report.problems, pending: report.pending }).toEqual({
      ok: true,
      problems: [],
      pending: 0,
    });
    expect(report.sealed).toBeGreaterThanOrEqual(8);
  });

  it('refuses to erase a case under a legal hold; the retention pass erases only the cases due and not held', async () => {
    await retention.setHold('TRM-FR-2020-000004', 'CRIMINAL_PROCEEDINGS', 'api:coordinator');
    await expect(retention.requestErasure('TRM-FR-2020-000004', 'api:admin1')).rejects.toThrow(
      'case TRM-FR-2020-000004 is under a legal hold (CRIMINAL_PROCEEDINGS): lift it before erasing',
    );
    const state = await retention.state('TRM-FR-2020-000004');
    expect(state.legalHold).toEqual({
      reason: 'CRIMINAL_PROCEEDINGS',
      by: 'api:coordinator',
      since: expect.any(Date),
    });

    expect(await retention.retentionPass()).toEqual(['TRM-FR-2020-000002']);
    expect(await retention.retentionPass()).toEqual([]);
    const erased: Array<{ case_ref: string }> = await dataSource.query(
      `SELECT case_ref FROM cases WHERE erased_at IS NOT NULL ORDER BY case_ref`,
    );
    expect(erased.map((r) => r.case_ref)).toEqual(['TRM-FR-2020-000001', 'TRM-FR-2020-000002']);
    for (const ref of ['TRM-FR-2020-000003', 'TRM-FR-2020-000004', 'TRM-FR-2020-000005']) {
      const kept = await dataSource.manager.findOneByOrFail(CaseEntity, { caseRef: ref });
      expect(kept.guardian).toEqual({
        kind: 'GUARDIAN',
        institution: `ASE ${marker(ref)}`,
        appointedAt: '2020-01-01',
      });
    }
    const [pass] = await dataSource.query(
      `SELECT actor, reason_code, details FROM audit_log WHERE action = 'CASE_ERASED' AND case_ref = 'TRM-FR-2020-000002'`,
    );
    expect(pass).toEqual({
      actor: 'node:FR',
      reason_code: 'RETENTION_EXPIRED',
      details: { status: 'CLOSED', countries: ['MK'] },
    });

    // Lifted, the held case is due at the next pass; the one closed a year ago, in four years.
    await retention.liftHold('TRM-FR-2020-000004', 'api:admin1');
    const inFourYears = new Date(Date.now() + 4 * 366 * 24 * 3600 * 1000);
    expect(await retention.retentionPass()).toEqual(['TRM-FR-2020-000004']);
    expect(await retention.retentionPass(inFourYears)).toEqual(['TRM-FR-2020-000003']);
    await new AuditSealer(dataSource).sealNow();
    expect((await verifyAuditChain(scratch.url)).ok).toBe(true);
  });

  it('lists every erasure in its ledger outside the database, and writes in any one a crash left out', async () => {
    const ledger = () => readFileSync(config.erasureLedgerFile, 'utf8').split('\n').filter(Boolean).sort();
    const erased = ['TRM-FR-2020-000001', 'TRM-FR-2020-000002', 'TRM-FR-2020-000003', 'TRM-FR-2020-000004'];
    expect(ledger()).toEqual(erased);
    // A crash between an erasure's commit and its line in the ledger: the boot's pass writes it in.
    rmSync(config.erasureLedgerFile);
    expect(await retention.eraseRestoredCases()).toEqual([]);
    expect(ledger()).toEqual(erased);
    expect(
      await dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'CASE_ERASED'`),
    ).toEqual([{ n: 4 }]);
  });
});
