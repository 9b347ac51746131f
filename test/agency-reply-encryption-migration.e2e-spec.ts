import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { AgencyReplyEncryption1763900900000 } from '../migrations/1763900900000-agency-reply-encryption';
import { AgencyReplyEntity } from '../src/agencies/agency-reply.entity';
import { bindFieldCipher } from '../src/crypto/encrypted-column';
import { ensureDataKey, FieldCipher } from '../src/crypto/field-cipher';
import { prepareStoredFields } from '../src/crypto/field-rekey';
import { ENTITIES } from '../src/entities';
import { ThrowawayDatabase } from './support/throwaway-database';

/**
 * The agency-reply encryption migration on a database written before it: the reply bodies (bytes of any
 * value, not only UTF-8) stay intact through the type change, the node's boot step encrypts them, and going
 * back is refused once anything is encrypted.
 */
describe('agency-reply encryption migration on existing replies (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
    // The schema as it was before the agencies' reply bodies were encrypted.
    dataSource = await scratch.migrateWithout(AgencyReplyEncryption1763900900000);
  });

  afterAll(() => scratch?.drop());

  it('keeps the bodies through the type change, encrypts them at boot, and refuses to go back after', async () => {
    const q = (sql: string, params: unknown[] = []) => dataSource.query(sql, params);
    await q(
      `INSERT INTO agencies (code, name, broker_user, signing_key_id, signing_public_key, encryption_key_id,
         encryption_public_key)
       VALUES ('ngo-lyon', 'NGO Lyon', 'FR.ngo-lyon', 'ngo-lyon-sig-1', 'x', 'ngo-lyon-enc-1', 'x')`,
    );
    // What an older node wrote, in clear: a long body (base64 in PostgreSQL wraps its lines) and raw bytes.
    const long = Buffer.from(JSON.stringify({ kind: 'ANSWER', sealed: 'x'.repeat(500) }));
    const binary = Buffer.from([0, 1, 2, 253, 254, 255]);
    for (const [replyId, body] of [
      ['0190a0b0-0000-7000-8000-000000000001', long],
      ['0190a0b0-0000-7000-8000-000000000002', binary],
    ] as const) {
      await q(
        `INSERT INTO agency_replies (reply_id, agency, kind, correlation_id, body, headers)
         VALUES ($1, 'ngo-lyon', 'ANSWER', null, $2, '{"x-trm-agency": "ngo-lyon"}')`,
        [replyId, body],
      );
    }

    dataSource = await scratch.open({ entities: ENTITIES, migrations: MIGRATIONS });
    expect((await dataSource.runMigrations()).map((m) => m.name)).toEqual([
      'AgencyReplyEncryption1763900900000',
    ]);
    ensureDataKey(scratch.keysDir, 'FR');
    const cipher = FieldCipher.load(scratch.keysDir, 'FR');
    await prepareStoredFields(dataSource, cipher, bindFieldCipher(dataSource, cipher));

    const stored: Array<{ body: string }> = await q(`SELECT body FROM agency_replies ORDER BY id`);
    expect(stored).toHaveLength(2);
    for (const { body } of stored)
      expect(body).toMatch(/^v2\.FR-data-1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\./);

    const replies = await dataSource.manager.find(AgencyReplyEntity, { order: { id: 'ASC' } });
    expect(replies.map((r) => r.body)).toEqual([long, binary]);
    expect(replies[0]).toMatchObject({
      agency: 'ngo-lyon',
      kind: 'ANSWER',
      headers: { 'x-trm-agency': 'ngo-lyon' },
    });

    // The boot binds values to their rows (v2, migrations/1763901400000-row-bound-fields.ts), which this
    // older down does not count: it still refuses, at the type change, and nothing changes.
    await expect(dataSource.undoLastMigration()).rejects.toThrow(/invalid (symbol|input)/);
    expect(await q(`SELECT body FROM agency_replies ORDER BY id`)).toEqual(stored);
  });

  it('goes back to bytes, intact, while nothing is encrypted yet', async () => {
    const other = await ThrowawayDatabase.create();
    // The schema up to this migration, so that it is the last one to undo.
    const fresh = await other.open({
      migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(AgencyReplyEncryption1763900900000) + 1),
    });
    try {
      await fresh.runMigrations();
      await fresh.query(
        `INSERT INTO agencies (code, name, broker_user, signing_key_id, signing_public_key, encryption_key_id,
           encryption_public_key)
         VALUES ('ngo-lyon', 'NGO Lyon', 'FR.ngo-lyon', 'ngo-lyon-sig-1', 'x', 'ngo-lyon-enc-1', 'x')`,
      );
      // A body written by the old code path and not yet encrypted by a boot: base64 text.
      const body = Buffer.from([0, 1, 2, 253, 254, 255]);
      await fresh.query(
        `INSERT INTO agency_replies (reply_id, agency, kind, body, headers)
         VALUES ('0190a0b0-0000-7000-8000-000000000003', 'ngo-lyon', 'ANSWER', $1, '{}')`,
        [body.toString('base64')],
      );
      await fresh.undoLastMigration();
      const [row]: Array<{ body: Buffer }> = await fresh.query(`SELECT body FROM agency_replies`);
      expect(Buffer.isBuffer(row.body) && row.body.equals(body)).toBe(true);
    } finally {
      await other.drop();
    }
  });
});
