import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { FieldEncryption1763900400000 } from '../migrations/1763900400000-field-encryption';
import { ConsentRecordEntity } from '../src/consent/consent-record.entity';
import { bindFieldCipher } from '../src/crypto/encrypted-column';
import { ensureDataKey, FieldCipher, isSealedValue } from '../src/crypto/field-cipher';
import { prepareStoredFields } from '../src/crypto/field-rekey';
import { ENTITIES } from '../src/entities';
import { RiskAssessmentEntity } from '../src/risk/risk-assessment.entity';
import { MessageRecordEntity } from '../src/transfers/message-record.entity';
import { OutboxEntity } from '../src/transport/outbox.entity';
import { ThrowawayDatabase } from './support/throwaway-database';

/**
 * The field-encryption migration on a database written before it: the values stay readable through the
 * type change, the node's boot step encrypts them, and going back is refused once anything is encrypted.
 */
describe('field-encryption migration on existing data (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
    // The schema as it was before field encryption.
    dataSource = await scratch.migrateWithout(FieldEncryption1763900400000);
  });

  afterAll(() => scratch?.drop());

  it('keeps the values through the type change, encrypts them at boot, and refuses to go back after', async () => {
    const q = (sql: string, params: unknown[] = []) => dataSource.query(sql, params);
    // What an older node wrote, in clear.
    await q(
      `INSERT INTO cases (case_ref, owner_country, managers) VALUES ('TRM-FR-2026-000001', 'FR', '[]')`,
    );
    await q(
      `INSERT INTO messages (id, case_ref, direction, type, counterpart, legal_basis, payload, status)
       VALUES ('0190a0b0-0000-7000-8000-000000000001', 'TRM-FR-2026-000001', 'OUTBOUND', 'REFERRAL_REQUEST', 'MK',
               'CONSENT', '{"person": {"givenName": "Ана"}}', 'QUEUED')`,
    );
    await q(
      `INSERT INTO outbox (message_id, routing_key, body, headers, properties)
       VALUES ('0190a0b0-0000-7000-8000-000000000001', 'routine.MK.FR.REFERRAL_REQUEST', $1, '{}', '{}')`,
      [Buffer.from('{"sealed":"bytes"}')],
    );
    await q(
      `INSERT INTO consent_records (case_ref, scopes, recipients, given_by, child_view, informed, informed_language, recorded_by, given_at)
       VALUES ('TRM-FR-2026-000001', '{RETURN}', '{MK}', 'GUARDIAN', 'wants to see her sister', true, 'mk', 'api:x', now())`,
    );
    await q(
      `INSERT INTO risk_assessments (case_ref, country, level, factors, summary, protection_plan, complete, assessed_by,
         assessed_at, valid_until)
       VALUES ('TRM-FR-2026-000001', 'FR', 'LOW', '[{"code": "RF-01", "status": "ABSENT"}]', 'no threat', null, true,
               'api:x', now(), now() + interval '1 day')`,
    );

    dataSource = await scratch.open({ entities: ENTITIES, migrations: MIGRATIONS });
    expect(await dataSource.runMigrations()).toHaveLength(1);
    ensureDataKey(scratch.keysDir, 'FR');
    const cipher = FieldCipher.load(scratch.keysDir, 'FR');
    await prepareStoredFields(dataSource, cipher, bindFieldCipher(dataSource, cipher));

    const stored = await q(
      `SELECT (SELECT payload FROM messages) AS payload, (SELECT body FROM outbox) AS body,
              (SELECT child_view FROM consent_records) AS child_view, (SELECT factors FROM risk_assessments) AS factors,
              (SELECT summary FROM risk_assessments) AS summary, (SELECT protection_plan FROM risk_assessments) AS plan`,
    );
    expect(stored[0].plan).toBeNull();
    for (const column of ['payload', 'body', 'child_view', 'factors', 'summary'])
      expect({ column, sealed: isSealedValue(stored[0][column]) }).toEqual({ column, sealed: true });

    const m = dataSource.manager;
    expect((await m.findOneByOrFail(MessageRecordEntity, {})).payload).toEqual({
      person: { givenName: 'Ана' },
    });
    expect((await m.findOneByOrFail(OutboxEntity, {})).body.toString()).toBe('{"sealed":"bytes"}');
    expect((await m.findOneByOrFail(ConsentRecordEntity, {})).childView).toBe('wants to see her sister');
    const assessment = await m.findOneByOrFail(RiskAssessmentEntity, {});
    expect(assessment).toMatchObject({ summary: 'no threat', protectionPlan: null });
    expect(assessment.factors).toEqual([{ code: 'RF-01', status: 'ABSENT' }]);

    // The boot binds values to their rows (v2, migrations/1763901400000-row-bound-fields.ts), which this
    // older down does not count: it still refuses, at the type change, and nothing changes.
    await expect(dataSource.undoLastMigration()).rejects.toThrow(/invalid input syntax for type json/);
    expect(isSealedValue((await q(`SELECT payload FROM messages`))[0].payload)).toBe(true);
  });
});
