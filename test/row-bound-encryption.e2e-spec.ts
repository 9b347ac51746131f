import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { AgencyReplyEntity } from '../src/agencies/agency-reply.entity';
import { CaseEntity } from '../src/cases/case.entity';
import { CaseFactEntity } from '../src/cases/case-fact.entity';
import { LocalSecretEntity } from '../src/cases/local-secret.entity';
import { ConsentRecordEntity } from '../src/consent/consent-record.entity';
import { bindFieldCipher, EncryptedColumnInfo, PlainKind, toPlain } from '../src/crypto/encrypted-column';
import { ensureDataKey, FieldCipher, FieldCipherError, isRowBound } from '../src/crypto/field-cipher';
import { prepareStoredFields, rekeyFields } from '../src/crypto/field-rekey';
import { ENTITIES } from '../src/entities';
import { RiskAssessmentEntity } from '../src/risk/risk-assessment.entity';
import { RiskOverrideEntity } from '../src/risk/risk-override.entity';
import { MessageRecordEntity } from '../src/transfers/message-record.entity';
import { InboundWireEntity } from '../src/evidence/inbound-wire.entity';
import { OutboxEntity } from '../src/transport/outbox.entity';
import { ThrowawayDatabase } from './support/throwaway-database';

/** Two people's values for every encrypted column, as an older node (v1, table and column only) stored them. */
const PEOPLE = [
  {
    managers: [{ country: 'FR', name: 'Claire Martin', institution: 'OFPRA', role: 'case manager' }],
    guardian: { kind: 'GUARDIAN', institution: 'ASE Paris', appointedAt: '2026-11-01' },
    payload: { person: { givenName: 'Ана', familyName: 'Петровска' } },
    body: Buffer.from('{"sealed":"for MK, Ана"}'),
    reply: Buffer.from('{"answer":"for ngo-a, Ана"}'),
    childView: 'Ана wants to see her sister',
    factors: [{ code: 'RF-02', status: 'PRESENT', evidence: 'threats by the recruiter of Ана' }],
    summary: 'Ана: high risk from the network',
    plan: 'Ана: escorted travel',
    reason: 'Ана: joint protection plan signed by both countries',
    fact: { reportedBy: 'Police', reportedOn: '2026-11-20', against: ['FAMILY'], kind: 'threats to Ана' },
    secretLabel: 'Shelter of Ана',
    secret: 'Rruga e Kavajës 112, Tiranë',
  },
  {
    managers: [{ country: 'FR', name: 'Luc Bernard', institution: 'ASE', role: 'case manager' }],
    guardian: { kind: 'LEGAL_REPRESENTATIVE', institution: 'Bar of Lyon', appointedAt: '2026-10-02' },
    payload: { person: { givenName: 'Blerta', familyName: 'Krasniqi' } },
    body: Buffer.from('{"sealed":"for MK, Blerta"}'),
    reply: Buffer.from('{"answer":"for ngo-a, Blerta"}'),
    childView: 'Blerta wants to stay in school',
    factors: [{ code: 'RF-04', status: 'ABSENT' }],
    summary: 'Blerta: low risk',
    plan: 'Blerta: shelter on arrival',
    reason: 'Blerta: court order of 20 November excludes the parents',
    fact: { status: 'PENDING', lodgedOn: '2026-11-02', decidedOn: null },
    secretLabel: 'Safe-house phone of Blerta',
    secret: '+389 70 123 456',
  },
];

/**
 * Field encryption bound to the row (docs/data-at-rest.md) on a database with two rows in every encrypted
 * column, written by an older node in the v1 format: the boot step binds them all to their rows (v2), in
 * batches that survive an interruption, they still read as they were, and a ciphertext swapped between two
 * rows of a column reads as an integrity error, audited, never as the other person's data.
 */
describe('row-bound field encryption on existing data (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;
  let dataSource: DataSource;
  let cipher: FieldCipher;
  let columns: EncryptedColumnInfo[];
  /** Per table, the two rows' primary keys. */
  const ids: Record<string, [string, string]> = {};

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
    dataSource = await scratch.open({ entities: ENTITIES, migrations: MIGRATIONS });
    await dataSource.runMigrations();
    ensureDataKey(scratch.keysDir, 'FR');
    cipher = FieldCipher.load(scratch.keysDir, 'FR');
    const v1 = (kind: PlainKind, value: unknown, column: string) =>
      cipher.sealUnbound(toPlain(kind, value), column);
    const q = (sql: string, params: unknown[] = []) => dataSource.query(sql, params);
    await q(
      `INSERT INTO agencies (code, name, broker_user, signing_key_id, signing_public_key, encryption_key_id,
         encryption_public_key) VALUES ('ngo-a', 'NGO A', 'agency.ngo-a', 's1', 'AA==', 'e1', 'AA==')`,
    );
    const inserted = async (sql: string, params: unknown[]): Promise<string> =>
      String((await q(`${sql} RETURNING id`, params))[0].id);
    for (const [i, p] of PEOPLE.entries()) {
      const caseRef = `TRM-FR-2026-00000${i + 1}`;
      const push = (table: string, id: string) => {
        ids[table] = [...((ids[table] ?? []) as string[]), id] as [string, string];
      };
      push(
        'cases',
        await inserted(
          `INSERT INTO cases (case_ref, owner_country, managers, guardian) VALUES ($1, 'FR', $2, $3)`,
          [caseRef, v1('json', p.managers, 'cases.managers'), v1('json', p.guardian, 'cases.guardian')],
        ),
      );
      const messageId = randomUUID();
      push(
        'messages',
        await inserted(
          `INSERT INTO messages (id, case_ref, direction, type, counterpart, legal_basis, payload, status)
           VALUES ($1, $2, 'OUTBOUND', 'REFERRAL_REQUEST', 'MK', 'CONSENT', $3, 'QUEUED')`,
          [messageId, caseRef, v1('json', p.payload, 'messages.payload')],
        ),
      );
      push(
        'outbox',
        await inserted(
          `INSERT INTO outbox (message_id, routing_key, body, headers, properties) VALUES ($1, 'r', $2, '{}', '{}')`,
          [messageId, v1('bytes', p.body, 'outbox.body')],
        ),
      );
      push(
        'inbound_wire',
        await inserted(
          `INSERT INTO inbound_wire (id, sender, key_id, body, signature) VALUES ($1, 'MK', 'k', $2, 's')`,
          [randomUUID(), v1('bytes', p.body, 'inbound_wire.body')],
        ),
      );
      push(
        'agency_replies',
        await inserted(
          `INSERT INTO agency_replies (reply_id, agency, kind, body, headers) VALUES ($1, 'ngo-a', 'ANSWER', $2, '{}')`,
          [randomUUID(), v1('bytes', p.reply, 'agency_replies.body')],
        ),
      );
      push(
        'consent_records',
        await inserted(
          `INSERT INTO consent_records (case_ref, scopes, recipients, given_by, child_view, informed,
             informed_language, recorded_by, given_at)
           VALUES ($1, '{RETURN}', '{MK}', 'GUARDIAN', $2, true, 'mk', 'api:x', now())`,
          [caseRef, v1('text', p.childView, 'consent_records.child_view')],
        ),
      );
      const assessment = await inserted(
        `INSERT INTO risk_assessments (case_ref, country, level, factors, summary, protection_plan, complete,
           assessed_by, assessed_at, valid_until)
         VALUES ($1, 'FR', 'HIGH', $2, $3, $4, true, 'api:x', now(), now() + interval '1 day')`,
        [
          caseRef,
          v1('json', p.factors, 'risk_assessments.factors'),
          v1('text', p.summary, 'risk_assessments.summary'),
          v1('text', p.plan, 'risk_assessments.protection_plan'),
        ],
      );
      push('risk_assessments', assessment);
      push(
        'risk_overrides',
        await inserted(
          `INSERT INTO risk_overrides (case_ref, assessment_id, message_type, reason, overridden_by)
           VALUES ($1, $2, 'RETURN_PLAN', $3, 'api:x')`,
          [caseRef, assessment, v1('text', p.reason, 'risk_overrides.reason')],
        ),
      );
      push(
        'case_facts',
        await inserted(
          `INSERT INTO case_facts (case_ref, kind, fact, recorded_by) VALUES ($1, $2, $3, 'api:x')`,
          [caseRef, i === 0 ? 'THREAT' : 'ASYLUM_CLAIM', v1('json', p.fact, 'case_facts.fact')],
        ),
      );
      push(
        'local_secrets',
        await inserted(
          `INSERT INTO local_secrets (case_ref, label, value, recorded_by) VALUES ($1, $2, $3, 'api:x')`,
          [
            caseRef,
            v1('text', p.secretLabel, 'local_secrets.label'),
            v1('text', p.secret, 'local_secrets.value'),
          ],
        ),
      );
    }
    columns = bindFieldCipher(dataSource, cipher);
  });

  afterAll(() => scratch?.drop());

  /** Every column the node encrypts, and what each of the two rows should read. */
  const EXPECTED: Array<{
    entity: EntityTarget<ObjectLiteral>;
    table: string;
    column: string;
    property: string;
    value: (p: (typeof PEOPLE)[number]) => unknown;
  }> = [
    {
      entity: CaseEntity,
      table: 'cases',
      column: 'managers',
      property: 'managers',
      value: (p) => p.managers,
    },
    {
      entity: CaseEntity,
      table: 'cases',
      column: 'guardian',
      property: 'guardian',
      value: (p) => p.guardian,
    },
    {
      entity: MessageRecordEntity,
      table: 'messages',
      column: 'payload',
      property: 'payload',
      value: (p) => p.payload,
    },
    { entity: OutboxEntity, table: 'outbox', column: 'body', property: 'body', value: (p) => p.body },
    {
      entity: InboundWireEntity,
      table: 'inbound_wire',
      column: 'body',
      property: 'body',
      value: (p) => p.body,
    },
    {
      entity: AgencyReplyEntity,
      table: 'agency_replies',
      column: 'body',
      property: 'body',
      value: (p) => p.reply,
    },
    {
      entity: ConsentRecordEntity,
      table: 'consent_records',
      column: 'child_view',
      property: 'childView',
      value: (p) => p.childView,
    },
    {
      entity: RiskAssessmentEntity,
      table: 'risk_assessments',
      column: 'factors',
      property: 'factors',
      value: (p) => p.factors,
    },
    {
      entity: RiskAssessmentEntity,
      table: 'risk_assessments',
      column: 'summary',
      property: 'summary',
      value: (p) => p.summary,
    },
    {
      entity: RiskAssessmentEntity,
      table: 'risk_assessments',
      column: 'protection_plan',
      property: 'protectionPlan',
      value: (p) => p.plan,
    },
    {
      entity: RiskOverrideEntity,
      table: 'risk_overrides',
      column: 'reason',
      property: 'reason',
      value: (p) => p.reason,
    },
    {
      entity: CaseFactEntity,
      table: 'case_facts',
      column: 'fact',
      property: 'fact',
      value: (p) => p.fact,
    },
    {
      entity: LocalSecretEntity,
      table: 'local_secrets',
      column: 'label',
      property: 'label',
      value: (p) => p.secretLabel,
    },
    {
      entity: LocalSecretEntity,
      table: 'local_secrets',
      column: 'value',
      property: 'value',
      value: (p) => p.secret,
    },
  ];

  const stored = async (table: string, column: string, id: string): Promise<string> =>
    (await dataSource.query(`SELECT ${column} AS value FROM ${table} WHERE id::text = $1`, [id]))[0].value;

  it('covers every encrypted column of the node', () => {
    // The wrapped case keys too, bound to their rows by the case reference: test/case-erasure.e2e-spec.ts.
    expect(columns.map((c) => `${c.table}.${c.column}`).sort()).toEqual(
      [...EXPECTED.map((e) => `${e.table}.${e.column}`), 'case_keys.wrapped_key'].sort(),
    );
  });

  it('binds every value to its row in batches that each commit: interrupted, the next start goes on, with progress', async () => {
    // A first start that stops after two batches of one row (a crash, a deploy).
    let batches = 0;
    await expect(
      rekeyFields(dataSource, cipher, columns, {
        unboundOnly: true,
        batchSize: 1,
        onBatch: () => {
          if (++batches === 2) throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    // The two batches before the stop are committed, the rest is as it was.
    const rowBound = async (): Promise<number> => {
      let count = 0;
      for (const e of EXPECTED)
        for (const id of ids[e.table]) if (isRowBound(await stored(e.table, e.column, id))) count++;
      return count;
    };
    expect(await rowBound()).toBe(2);

    const progress: string[] = [];
    await prepareStoredFields(dataSource, cipher, columns, (line) => progress.push(line));
    expect(progress[0]).toBe(`binding ${EXPECTED.length * 2 - 2} stored values to their rows (v2)`);
    expect(progress).toContain('  messages.payload: 2 of 2');
    expect(progress).toContain(
      'risk_overrides.reason: 2 bound to their rows, 0 left (rows in use: the next start binds them)',
    );

    for (const e of EXPECTED) {
      for (const id of ids[e.table]) {
        const value = await stored(e.table, e.column, id);
        expect({ column: `${e.table}.${e.column}`, v2: /^v2\.FR-data-1\./.test(value) }).toEqual({
          column: `${e.table}.${e.column}`,
          v2: true,
        });
      }
    }
    // A second start finds nothing left to do.
    const again: string[] = [];
    await prepareStoredFields(dataSource, cipher, columns, (line) => again.push(line));
    expect(again).toEqual([]);
  });

  it('still reads every value as it was, row by row', async () => {
    for (const e of EXPECTED) {
      for (const [i, id] of ids[e.table].entries()) {
        const row = await dataSource.manager.findOneByOrFail(e.entity, { id });
        expect({ column: `${e.table}.${e.column}`, value: row[e.property] }).toEqual({
          column: `${e.table}.${e.column}`,
          value: e.value(PEOPLE[i]),
        });
      }
    }
  });

  it('reads a ciphertext swapped between two rows of a column as an integrity error, audited, never as the other person’s data', async () => {
    for (const e of EXPECTED) {
      const [a, b] = ids[e.table];
      const [valueA, valueB] = [await stored(e.table, e.column, a), await stored(e.table, e.column, b)];
      // Someone with write access to the database swaps two people's values (the consent records' trigger
      // lets only re-encryption change them: so does the swap).
      await dataSource.transaction(async (manager) => {
        await manager.query(`SELECT set_config('trm.rekey', 'on', true)`);
        await manager.query(`UPDATE ${e.table} SET ${e.column} = $1 WHERE id::text = $2`, [valueB, a]);
        await manager.query(`UPDATE ${e.table} SET ${e.column} = $1 WHERE id::text = $2`, [valueA, b]);
      });
      for (const id of [a, b]) {
        const error = await dataSource.manager.findOneByOrFail(e.entity, { id }).then(
          () => null,
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(FieldCipherError);
        expect((error as FieldCipherError).integrity).toBe(true);
        expect((error as Error).message).toBe(
          `${e.table}.${e.column} (row ${id}) holds a value under data key FR-data-1 that fails authentication: altered, or moved from another row or column`,
        );
        for (const person of PEOPLE) expect((error as Error).message).not.toContain(String(e.value(person)));
      }
      const audited = await dataSource.query(
        `SELECT actor, decision, reason_code, details FROM audit_log
         WHERE action = 'STORED_DATA_INTEGRITY_FAILED' AND details->>'column' = $1 ORDER BY seq`,
        [`${e.table}.${e.column}`],
      );
      expect(audited).toEqual(
        [a, b].map((rowId) => ({
          actor: 'node:FR',
          decision: 'DENY',
          reason_code: 'FIELD_INTEGRITY',
          details: { column: `${e.table}.${e.column}`, rowId },
        })),
      );
      // Swapped back, both read as they were.
      await dataSource.transaction(async (manager) => {
        await manager.query(`SELECT set_config('trm.rekey', 'on', true)`);
        await manager.query(`UPDATE ${e.table} SET ${e.column} = $1 WHERE id::text = $2`, [valueA, a]);
        await manager.query(`UPDATE ${e.table} SET ${e.column} = $1 WHERE id::text = $2`, [valueB, b]);
      });
      const back = await dataSource.manager.findOneByOrFail(e.entity, { id: a });
      expect(back[e.property]).toEqual(e.value(PEOPLE[0]));
    }
  });

  it('leaves an altered older value as it is at boot, reports it, and binds the others', async () => {
    const altered = cipher.sealUnbound(toPlain('json', PEOPLE[0].managers), 'cases.managers');
    const parts = altered.split('.');
    parts[4] = `${parts[4][0] === 'A' ? 'B' : 'A'}${parts[4].slice(1)}`;
    // Its row id sorts before every other: the boot's key check must not take it for a wrong key.
    const id = '00000000-0000-4000-8000-000000000000';
    await dataSource.query(
      `INSERT INTO cases (id, case_ref, owner_country, managers, guardian)
       VALUES ($1, 'TRM-FR-2026-000003', 'FR', $2, $3)`,
      [id, parts.join('.'), cipher.sealUnbound(toPlain('json', PEOPLE[1].guardian), 'cases.guardian')],
    );
    const progress: string[] = [];
    await prepareStoredFields(dataSource, cipher, columns, (line) => progress.push(line));
    expect(progress).toContain(
      `cases.managers (row ${id}): fails authentication, left as it is: restore it from a backup`,
    );
    expect(progress).toContain(
      'cases.guardian: 1 bound to their rows, 0 left (rows in use: the next start binds them)',
    );
    expect(isRowBound(await stored('cases', 'guardian', id))).toBe(true);
    expect(await stored('cases', 'managers', id)).toBe(parts.join('.'));
    await expect(dataSource.manager.findOneByOrFail(CaseEntity, { id })).rejects.toThrow(
      `cases.managers (row ${id}) holds a value under data key FR-data-1 that fails authentication: altered, or moved from another column`,
    );
    await dataSource.query(`DELETE FROM cases WHERE id = $1`, [id]);
  });

  it('refuses to start under a different key file with the same key id, naming the column and the key file', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'trm-other-keys-'));
    try {
      ensureDataKey(elsewhere, 'FR');
      const other = FieldCipher.load(elsewhere, 'FR');
      const failure = await prepareStoredFields(dataSource, other, columns).then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(failure).toBeInstanceOf(FieldCipherError);
      expect(failure?.message).toMatch(
        /^[a-z_]+\.[a-z_]+ holds values that data key FR-data-1 in \S+ does not open \(a different key under that id, or altered values\): restore the key file FR\.data-1\.key from the key backup$/,
      );
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses to undo the row binding once values are bound: the older code cannot read them', async () => {
    // Later migrations come off first; then the row binding's own `down` is the last one.
    const last = async () =>
      (
        (await dataSource.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`)) as Array<{
          name: string;
        }>
      )[0].name;
    while ((await last()) !== 'RowBoundFields1763901400000') await dataSource.undoLastMigration();
    await expect(dataSource.undoLastMigration()).rejects.toThrow(
      /holds 2 values bound to their rows \(v2\), which the code before this migration cannot read/,
    );
    // The refusal changed nothing: the later migrations go back on for the tests that follow.
    await dataSource.runMigrations();
  });

  it('writes new rows bound to their ids, and refuses to update an encrypted column other than by the row’s id', async () => {
    const caseRef = 'TRM-FR-2026-000009';
    await dataSource.manager.insert(CaseEntity, { caseRef, ownerCountry: 'FR', countries: [], managers: [] });
    const [row] = await dataSource.query(`SELECT id::text AS id, managers FROM cases WHERE case_ref = $1`, [
      caseRef,
    ]);
    expect(cipher.open(row.managers, 'cases.managers', row.id).toString()).toBe('[]');
    await expect(
      dataSource.manager.update(CaseEntity, { caseRef }, { managers: PEOPLE[0].managers as never }),
    ).rejects.toThrow(/cases\.managers: an encrypted column is updated by the row's primary key/);
  });
});
