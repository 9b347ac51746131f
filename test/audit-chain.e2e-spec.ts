import { Client } from 'pg';
import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { canonicalForm, chainHash, CANONICAL_SQL, GENESIS_HASH } from '../src/audit/audit-chain';
import { AuditService } from '../src/audit/audit.service';
import { DataSource } from 'typeorm';
import { examplePayload } from '../src/messages/examples';
import { asTamperer, auditVerify, sealNow } from './support/audit-tools';
import { api, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

/**
 * Issue 4, tamper evidence, on the real database: every committed entry is sealed into the hash chain, the
 * node's own database role cannot change the trail, and `audit:verify` finds each of the four tamperings a
 * superuser can still make (edit, remove, insert, reorder), naming the entry.
 */
describe('audit chain (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let target: { pos: number; seq: string };

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    // Real traffic both ways: a referral, its receipt, the reads, the consent and risk steps.
    for (let i = 0; i < 3; i++) {
      const caseRef = await openSharableCase(fr);
      const sent = await sendMessage(fr, caseRef, {
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        payload: examplePayload('REFERRAL_REQUEST'),
      });
      expect(sent.status).toBe(202);
      await waitDelivered(fr, sent.body.id, 20_000);
      await api(fr, 'GET', `/cases/${caseRef}`);
    }
    await sealNow(fr);
    await sealNow(mk);
    const [row] = await federation.query<{ pos: string; seq: string }>(
      'FR',
      `SELECT pos::text AS pos, entry_seq::text AS seq FROM audit_chain WHERE pos = 6`,
    );
    target = { pos: Number(row.pos), seq: row.seq };
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  const verify = (code = 'FR', args: string[] = []) =>
    auditVerify(args, { DATABASE_URL: federation.appDatabaseUrl(code) });

  it('seals every committed entry exactly once, each hash over the previous one', async () => {
    for (const code of ['FR', 'MK']) {
      const rows = await federation.query<{ pos: string; prev: Buffer; hash: Buffer; canonical: string }>(
        code,
        `SELECT c.pos::text AS pos, c.prev_hash AS prev, c.hash, ${CANONICAL_SQL} AS canonical
         FROM audit_chain c JOIN audit_log a ON a.seq = c.entry_seq ORDER BY c.pos`,
      );
      const [{ n }] = await federation.query<{ n: number }>(code, `SELECT count(*)::int AS n FROM audit_log`);
      expect(rows.length).toBe(n);
      expect(n).toBeGreaterThan(5);
      let previous = GENESIS_HASH;
      rows.forEach((row, i) => {
        expect(Number(row.pos)).toBe(i + 1);
        expect(row.prev.equals(previous)).toBe(true);
        expect(chainHash(previous, row.canonical).equals(row.hash)).toBe(true);
        previous = row.hash;
      });
    }
  });

  it('runs the node as a role that is not a superuser and owns no audit table', async () => {
    const [role] = await federation.query<{ superuser: boolean; owner: string }>(
      'FR',
      `SELECT r.rolsuper AS superuser, t.tableowner AS owner
       FROM pg_roles r, pg_tables t WHERE r.rolname = $1 AND t.tablename = 'audit_log'`,
      [federation.appRole('FR')],
    );
    expect(role).toEqual({ superuser: false, owner: federation.auditOwnerRole('FR') });
    const [session] = await federation.query<{ n: number }>(
      'FR',
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = $2`,
      [federation.databaseName('FR'), federation.appRole('FR')],
    );
    expect(session.n).toBeGreaterThan(0);
  });

  it("refuses the node's role every change to the audit tables, and a superuser too while the trigger is on", async () => {
    const app = new Client({ connectionString: federation.appDatabaseUrl('FR') });
    await app.connect();
    try {
      const attempt = (sql: string) =>
        app.query(sql).then(
          () => 'allowed',
          (e: Error) => e.message,
        );
      const anUpdate: Record<string, string> = {
        audit_log: `UPDATE audit_log SET actor = 'x'`,
        audit_chain: `UPDATE audit_chain SET sealed_at = now()`,
        audit_peer_checkpoints: `UPDATE audit_peer_checkpoints SET peer = 'XX'`,
      };
      for (const [table, update] of Object.entries(anUpdate)) {
        expect(await attempt(update)).toMatch(/permission denied/);
        expect(await attempt(`DELETE FROM ${table}`)).toMatch(/permission denied/);
        expect(await attempt(`TRUNCATE ${table}`)).toMatch(/permission denied/);
      }
      // Nor can it give itself the privileges back or switch the guard off: it does not own the tables.
      await attempt(`GRANT UPDATE, DELETE ON audit_log TO CURRENT_USER`); // a warning: nothing granted
      expect(await attempt(`DELETE FROM audit_log`)).toMatch(/permission denied/);
      expect(await attempt(`ALTER TABLE audit_log DISABLE TRIGGER USER`)).toMatch(/must be owner/);
      expect(
        await attempt(
          `CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
        ),
      ).toMatch(/must be owner/);
      const [after] = (await app.query(`SELECT count(*)::int AS n FROM audit_log WHERE actor = 'x'`)).rows;
      expect(after.n).toBe(0);
    } finally {
      await app.end();
    }
    const superuser = new Client({ connectionString: federation.databaseUrl('FR') });
    await superuser.connect();
    try {
      await expect(
        superuser.query(`UPDATE audit_log SET actor = 'x' WHERE seq = $1`, [target.seq]),
      ).rejects.toThrow(/append-only/);
      await expect(superuser.query(`DELETE FROM audit_chain WHERE pos = $1`, [target.pos])).rejects.toThrow(
        /append-only/,
      );
      await expect(superuser.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    } finally {
      await superuser.end();
    }
  });

  it('audit:verify passes an intact chain (exit 0)', async () => {
    for (const code of ['FR', 'MK']) {
      const result = await verify(code);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.report).toMatchObject({ ok: true, problemCount: 0, problems: [] });
      expect(result.report.sealed).toBeGreaterThan(5);
    }
  });

  interface Tampering {
    name: string;
    expected: (t: { pos: number; seq: string; next: string }) => { kind: string; seq: string };
    /** Makes the change as a superuser; returns how to undo it (with a new session). */
    tamper: (
      db: Client,
      t: { pos: number; seq: string; next: string },
    ) => Promise<(db: Client) => Promise<void>>;
  }

  const tamperings: Tampering[] = [
    {
      name: 'an edited entry',
      expected: (t) => ({ kind: 'EDITED', seq: t.seq }),
      tamper: async (db, t) => {
        const [before] = (await db.query(`SELECT actor FROM audit_log WHERE seq = $1`, [t.seq])).rows;
        await db.query(`UPDATE audit_log SET actor = 'api:someone-else' WHERE seq = $1`, [t.seq]);
        return async (again) => {
          await again.query(`UPDATE audit_log SET actor = $2 WHERE seq = $1`, [t.seq, before.actor]);
        };
      },
    },
    {
      name: 'a removed entry',
      expected: (t) => ({ kind: 'REMOVED', seq: t.seq }),
      tamper: async (db, t) => {
        const [removed] = (await db.query(`DELETE FROM audit_log WHERE seq = $1 RETURNING *`, [t.seq])).rows;
        return async (again) => {
          const columns = Object.keys(removed);
          await again.query(
            `INSERT INTO audit_log (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
            columns.map((c) => removed[c]),
          );
        };
      },
    },
    {
      name: 'a removed entry whose seal was removed too and the positions renumbered',
      expected: (t) => ({ kind: 'REMOVED', seq: t.next }),
      tamper: async (db, t) => {
        const [entry] = (await db.query(`DELETE FROM audit_log WHERE seq = $1 RETURNING *`, [t.seq])).rows;
        const [seal] = (await db.query(`DELETE FROM audit_chain WHERE pos = $1 RETURNING *`, [t.pos])).rows;
        // Two steps through a free range, as the primary key is checked row by row.
        await db.query(`UPDATE audit_chain SET pos = pos + 999999 WHERE pos > $1`, [t.pos]);
        await db.query(`UPDATE audit_chain SET pos = pos - 1000000 WHERE pos > 999999`);
        return async (again) => {
          await again.query(`UPDATE audit_chain SET pos = pos + 1000001 WHERE pos >= $1`, [t.pos]);
          await again.query(`UPDATE audit_chain SET pos = pos - 1000000 WHERE pos > 1000000`);
          for (const [table, row] of [
            ['audit_chain', seal],
            ['audit_log', entry],
          ] as const) {
            const columns = Object.keys(row);
            await again.query(
              `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
              columns.map((c) => row[c]),
            );
          }
        };
      },
    },
    {
      name: 'an inserted, backdated entry the sealer never saw',
      expected: () => ({ kind: 'INSERTED', seq: 'forged' }),
      tamper: async (db) => {
        // An old transaction id: no sealer would ever pick it up as new.
        const [forged] = (
          await db.query(
            `INSERT INTO audit_log (at, action, actor, case_ref, details, xid)
             VALUES (now() - interval '2 days', 'PERSONAL_DATA_READ', 'api:auditor', NULL, '{}', '3')
             RETURNING seq::text AS seq`,
          )
        ).rows;
        forgedSeq = forged.seq;
        return async (again) => {
          await again.query(`DELETE FROM audit_log WHERE seq = $1`, [forged.seq]);
        };
      },
    },
    {
      name: 'an inserted, backdated entry that the sealer then sealed as new',
      expected: () => ({ kind: 'INSERTED', seq: 'forged' }),
      tamper: async (db) => {
        const [forged] = (
          await db.query(
            `INSERT INTO audit_log (at, action, actor, details)
             VALUES (now() - interval '2 days', 'PERSONAL_DATA_READ', 'api:auditor', '{}')
             RETURNING seq::text AS seq`,
          )
        ).rows;
        forgedSeq = forged.seq;
        await sealNow(fr);
        const sealed = await db.query(`SELECT 1 FROM audit_chain WHERE entry_seq = $1`, [forged.seq]);
        expect(sealed.rowCount).toBe(1);
        return async (again) => {
          await again.query(`DELETE FROM audit_chain WHERE entry_seq = $1`, [forged.seq]);
          await again.query(`DELETE FROM audit_log WHERE seq = $1`, [forged.seq]);
        };
      },
    },
    {
      name: 'two reordered entries',
      expected: (t) => ({ kind: 'REORDERED', seq: t.seq }),
      tamper: async (db, t) => {
        const swap = async (session: Client) => {
          await session.query(`UPDATE audit_log SET seq = -seq WHERE seq = $1`, [t.seq]);
          await session.query(`UPDATE audit_log SET seq = $1 WHERE seq = $2`, [t.seq, t.next]);
          await session.query(`UPDATE audit_log SET seq = $1 WHERE seq = -$2::bigint`, [t.next, t.seq]);
        };
        await swap(db);
        return swap;
      },
    },
  ];
  let forgedSeq = '';

  it.each(tamperings.map((t) => [t.name, t] as const))(
    'audit:verify finds %s, names it and exits 1; the chain passes again once it is undone',
    async (_, tampering) => {
      const [next] = await federation.query<{ seq: string }>(
        'FR',
        `SELECT entry_seq::text AS seq FROM audit_chain WHERE pos = $1`,
        [target.pos + 1],
      );
      const t = { ...target, next: next.seq };
      const undo = await asTamperer(federation, 'FR', (db) => tampering.tamper(db, t));
      try {
        const result = await verify();
        expect(result.code).toBe(1);
        const expected = tampering.expected(t);
        expect(result.report.problems[0]).toMatchObject({
          kind: expected.kind,
          seq: expected.seq === 'forged' ? forgedSeq : expected.seq,
        });
      } finally {
        await asTamperer(federation, 'FR', (db) => undo(db));
      }
      const again = await verify();
      expect(again.report.problems).toEqual([]);
      expect(again.code).toBe(0);
    },
  );

  it('prints the first bad entry in words without --json', async () => {
    const undo = await asTamperer(federation, 'FR', (db) =>
      tamperings[0].tamper(db, { ...target, next: '' }),
    );
    try {
      const result = await auditVerify([], { DATABASE_URL: federation.appDatabaseUrl('FR') }, false);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`FAILED: 1 problem(s), in chain order (the first bad entry first):`);
      expect(result.stdout).toMatch(new RegExp(`EDITED +seq ${target.seq} \\(position ${target.pos}\\)`));
    } finally {
      await asTamperer(federation, 'FR', (db) => undo(db));
    }
  });

  it('builds the canonical form in SQL exactly as canonicalForm does in TypeScript, odd characters included', async () => {
    const dataSource = fr.app!.get(DataSource);
    await dataSource.transaction((manager) =>
      fr.app!.get(AuditService).record(manager, {
        action: 'POLICY_DECISION',
        actor: 'api:o\'brien "the\tauditor"\n\u0001 Ελένη',
        reasonCode: 'X\\Y',
        details: { b: [1, 2.5, null], a: { nested: 'ok/\u2028' }, n: 12345678901234.5 },
      }),
    );
    await sealNow(fr);
    const [row] = await federation.query<{ fields: Array<string | null>; canonical: string }>(
      'FR',
      `SELECT ARRAY[a.seq::text, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.action, a.actor,
                    a.case_ref, a.message_id, a.message_type, a.counterpart, a.legal_basis, a.decision,
                    a.reason_code, a.details::text] AS fields,
              ${CANONICAL_SQL} AS canonical
       FROM audit_log a WHERE a.action = 'POLICY_DECISION'`,
    );
    expect(row.canonical).toBe(canonicalForm(row.fields));
    expect((await verify()).code).toBe(0);
  });

  it('exits 2 when it cannot verify at all', async () => {
    const result = await auditVerify([], { DATABASE_URL: '' }, false);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL is required/);
  });
});
