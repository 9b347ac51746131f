import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { AUDIT_TABLES, auditHandoverStatements } from '../src/audit/audit-roles';
import { AuditError } from '../src/audit/audit.errors';
import { AuditRecord, AuditService } from '../src/audit/audit.service';
import { ThrowawayDatabase } from './support/throwaway-database';

/**
 * The audit hook on a real PostgreSQL database with every migration: what it writes, in whose transaction,
 * what it refuses, and the roles that make the trail append-only for the node.
 */
describe('AuditService (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;
  let db: DataSource;
  const audit = new AuditService();

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
    db = await scratch.migrateWithout();
  });

  afterAll(() => scratch?.drop());

  /** A fresh actor per test, so each test reads back only its own entries. */
  const actorFor = (what: string) => `api:${what}-${randomBytes(3).toString('hex')}`;

  const entriesOf = (actor: string) =>
    db.query(
      `SELECT seq::int, at, xid::text, action, actor, case_ref, message_id, message_type, counterpart, legal_basis,
         decision, reason_code, details
       FROM audit_log WHERE actor = $1 ORDER BY seq`,
      [actor],
    );

  it('writes many entries in one insert, in the caller’s transaction, with no hash and no lock', async () => {
    const actor = actorFor('many');
    const other = actorFor('other');
    const entries: AuditRecord[] = [
      { action: 'MESSAGE_PUBLISHED', actor, messageId: 'm-1', details: { attempt: 1 } },
      {
        action: 'CONSENT_RECORDED',
        actor,
        caseRef: 'TRM-FR-2026-000001',
        messageType: 'REFERRAL_REQUEST',
        counterpart: 'MK',
        legalBasis: 'CONSENT',
        decision: 'ALLOW',
        reasonCode: 'OK',
      },
    ];
    let statements = 0;
    await db.transaction(async (manager) => {
      const query = manager.query.bind(manager);
      const counting = Object.assign(Object.create(manager) as EntityManager, {
        query: (sql: string, params?: unknown[]) => {
          statements++;
          return query(sql, params);
        },
      });
      await audit.recordMany(counting, entries);
      // Written in the caller's transaction: nobody else sees the entries before it commits.
      expect(await entriesOf(actor)).toEqual([]);
      // No lock: another transaction appends and commits while this one is still open (a lock on the log
      // or a chain head would make it wait, and lock_timeout fail).
      await db.transaction(async (concurrent) => {
        await concurrent.query(`SET LOCAL lock_timeout = '2s'`);
        await audit.record(concurrent, { action: 'CASE_OPENED', actor: other });
      });
      expect(await entriesOf(other)).toHaveLength(1);
    });
    expect(statements).toBe(1);

    const written = await entriesOf(actor);
    expect(
      written.map(({ seq: _, at: __, xid: ___, ...columns }: Record<string, unknown>) => columns),
    ).toEqual([
      {
        action: 'MESSAGE_PUBLISHED',
        actor,
        case_ref: null,
        message_id: 'm-1',
        message_type: null,
        counterpart: null,
        legal_basis: null,
        decision: null,
        reason_code: null,
        details: { attempt: 1 },
      },
      {
        action: 'CONSENT_RECORDED',
        actor,
        case_ref: 'TRM-FR-2026-000001',
        message_id: null,
        message_type: 'REFERRAL_REQUEST',
        counterpart: 'MK',
        legal_basis: 'CONSENT',
        decision: 'ALLOW',
        reason_code: 'OK',
        details: {},
      },
    ]);
    // One statement: one time and one transaction for both, in order.
    expect(written[1].seq).toBe(written[0].seq + 1);
    expect(written[1].at).toEqual(written[0].at);
    expect(written[1].xid).toBe(written[0].xid);
    // No hash: sealing is the AuditSealer's, afterwards.
    const sealed = await db.query(`SELECT count(*)::int AS n FROM audit_chain WHERE entry_seq = ANY($1)`, [
      written.map((w: { seq: number }) => w.seq),
    ]);
    expect(sealed).toEqual([{ n: 0 }]);

    // And it rolls back with the caller's transaction.
    const rolledBack = actorFor('rolled-back');
    await expect(
      db.transaction(async (manager) => {
        await audit.recordMany(manager, [{ action: 'CASE_OPENED', actor: rolledBack }]);
        throw new Error('the change it records failed');
      }),
    ).rejects.toThrow('the change it records failed');
    expect(await entriesOf(rolledBack)).toEqual([]);
  });

  it('stores what a hostile sender put in an id or a type, even NUL, which PostgreSQL text cannot hold', async () => {
    const actor = actorFor('nul');
    await db.transaction((manager) =>
      audit.record(manager, {
        action: 'MESSAGE_REJECTED',
        actor,
        messageId: 'id\u0000',
        messageType: 'REFERRAL_REQUEST\u0000',
        details: { fields: ['type\u0000'] },
      }),
    );
    expect(await entriesOf(actor)).toEqual([
      expect.objectContaining({
        message_id: 'id\ufffd',
        message_type: 'REFERRAL_REQUEST\ufffd',
        details: { fields: ['type\ufffd'] },
      }),
    ]);
  });

  it('takes a new action code nobody listed yet: the union is open', async () => {
    const actor = actorFor('new-code');
    await db.transaction((manager) => audit.record(manager, { action: 'FOLLOW_UP_SCHEDULED', actor }));
    expect((await entriesOf(actor)).map((e: { action: string }) => e.action)).toEqual([
      'FOLLOW_UP_SCHEDULED',
    ]);
  });

  it.each([
    ['an action that is not a code', { action: 'consent given by Ana' }],
    ['no actor', { action: 'CASE_OPENED', actor: '' }],
    ['an unknown decision', { action: 'CASE_OPENED', decision: 'MAYBE' as 'ALLOW' }],
    ['details the size of a payload', { action: 'CASE_OPENED', details: { note: 'x'.repeat(5000) } }],
  ])('refuses %s, so the change it would record rolls back', async (_, invalid) => {
    const actor = actorFor('refused');
    const attempt = db.transaction(async (manager) => {
      // The change being recorded (here another entry), then the entry that is refused.
      await audit.record(manager, { action: 'CASE_OPENED', actor });
      await audit.record(manager, { actor, ...invalid } as AuditRecord);
    });
    await expect(attempt).rejects.toBeInstanceOf(AuditError);
    expect(await entriesOf(actor)).toEqual([]);
    expect(await db.query(`SELECT count(*)::int AS n FROM audit_log WHERE actor = ''`)).toEqual([{ n: 0 }]);
  });
});

describe('auditHandoverStatements (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;
  // Named after the database, as LocalFederation's are, so that a killed run's roles are swept with it.
  let owner: string;
  let app: string;

  const asSuperuser = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: scratch.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
    [owner, app] = [`${scratch.name}_audit`, `${scratch.name}_app`];
    await scratch.migrateWithout();
    await asSuperuser(async (client) => {
      await client.query(`CREATE ROLE ${owner} NOLOGIN`);
      await client.query(`CREATE ROLE ${app} NOLOGIN`);
    });
  });

  afterAll(async () => {
    await scratch?.drop();
    await asAdmin(`DROP ROLE IF EXISTS ${owner}`);
    await asAdmin(`DROP ROLE IF EXISTS ${app}`);
  });

  it('hands every audit table, the guard function and the statistics to the owner, and grants append only', async () => {
    await asSuperuser(async (client) => {
      for (const statement of auditHandoverStatements(owner, app)) await client.query(statement);
      const tables = await client.query(
        `SELECT tablename, tableowner FROM pg_tables WHERE tablename = ANY($1) ORDER BY tablename`,
        [AUDIT_TABLES],
      );
      expect(tables.rows).toEqual(
        [...AUDIT_TABLES].sort().map((tablename) => ({ tablename, tableowner: owner })),
      );
      const guard = await client.query(
        `SELECT pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE proname = 'audit_append_only'`,
      );
      expect(guard.rows).toEqual([{ owner }]);
      const statistics = await client.query(
        `SELECT DISTINCT pg_get_userbyid(stxowner) AS owner, count(*) OVER ()::int AS n FROM pg_statistic_ext
         WHERE stxname LIKE 'audit_log_%'`,
      );
      expect(statistics.rows).toEqual([{ owner, n: 3 }]);
      for (const table of AUDIT_TABLES) {
        const privileges = await client.query(
          `SELECT p AS privilege, has_table_privilege($1, $2, p) AS granted
           FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p`,
          [app, table],
        );
        expect(privileges.rows).toEqual([
          { privilege: 'SELECT', granted: true },
          { privilege: 'INSERT', granted: true },
          { privilege: 'UPDATE', granted: false },
          { privilege: 'DELETE', granted: false },
          { privilege: 'TRUNCATE', granted: false },
        ]);
      }
    });
  });

  it('refuses a role name it would have to quote', () => {
    expect(() => auditHandoverStatements('trm_audit', 'x; DROP TABLE audit_log')).toThrow(
      'not a plain role name',
    );
    expect(() => auditHandoverStatements('Trm"audit', 'trm_app')).toThrow('not a plain role name');
  });
});

async function asAdmin(sql: string): Promise<void> {
  const client = new Client({
    connectionString: process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
