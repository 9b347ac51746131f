import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalFederation, RunningNode, eventually } from '../scripts/lib/local-federation';
import { verifyAuditChain } from '../src/audit/audit-verifier';
import { examplePayload } from '../src/messages/examples';
import {
  api,
  createSecondAdmin,
  eraseByTwoAdmins,
  messageStatus,
  openSharableCase,
  recordConsent,
  SECOND_ADMIN,
  sendExampleDelivered,
  sendMessage,
} from './support/node-api';

/**
 * Retention and erasure over HTTP on the real node (docs/retention.md): who may see and hold a case, two
 * admins to erase it, and a node that still serves the erased case (its personal values gone), counts it,
 * and keeps an audit chain that verifies end to end. The peer's copy is its own.
 */
describe('case retention and erasure over HTTP (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'] });
  let fr: RunningNode;
  let mk: RunningNode;
  let caseRef: string;
  let referralId: string;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    caseRef = await openSharableCase(fr);
    referralId = await sendExampleDelivered(fr, caseRef, 'REFERRAL_REQUEST', 'MK');
    await createSecondAdmin(fr);
  }, 120_000);

  afterAll(() => federation.tearDown());

  it('shows the retention to coordinators and admins, and lets them set and lift a legal hold', async () => {
    const state = await api(fr, 'GET', `/cases/${caseRef}/retention`);
    expect(state.status).toBe(200);
    expect(state.body).toEqual({
      caseRef,
      status: 'OPEN',
      retentionEndsAt: null,
      legalHold: null,
      erasureRequest: null,
      erasedAt: null,
    });
    expect((await api(fr, 'GET', `/cases/${caseRef}/retention`, undefined, { as: 'auditor' })).status).toBe(
      403,
    );
    const held = await api(fr, 'PUT', `/cases/${caseRef}/legal-hold`, { reason: 'COMPENSATION_CLAIM' });
    expect(held.status).toBe(200);
    expect(held.body.legalHold).toEqual({
      reason: 'COMPENSATION_CLAIM',
      by: 'api:coordinator',
      since: expect.any(String),
    });
    expect((await api(fr, 'PUT', `/cases/${caseRef}/legal-hold`, { reason: 'a free text' })).status).toBe(
      400,
    );
    const refused = await api(fr, 'POST', `/cases/${caseRef}/erasure`, undefined, { as: 'admin' });
    expect(refused.status).toBe(409);
    const lifted = await api(fr, 'DELETE', `/cases/${caseRef}/legal-hold`, undefined, { as: 'admin' });
    expect(lifted.status).toBe(200);
    expect(lifted.body.legalHold).toBeNull();
  });

  it('erases a case on two admins’ word; the node still serves it, without its personal data', async () => {
    expect((await api(fr, 'POST', `/cases/${caseRef}/erasure`)).status).toBe(403);
    const asked = await api(fr, 'POST', `/cases/${caseRef}/erasure`, undefined, { as: 'admin' });
    expect(asked.status).toBe(200);
    expect(asked.body.erasureRequest).toEqual({ by: 'api:admin', at: expect.any(String) });
    const self = await api(fr, 'POST', `/cases/${caseRef}/erasure/confirm`, undefined, { as: 'admin' });
    expect(self.status).toBe(422);
    expect(self.body.error).toBe('CHANGE_REFUSED');
    const confirmed = await api(fr, 'POST', `/cases/${caseRef}/erasure/confirm`, undefined, {
      as: SECOND_ADMIN,
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.erasedAt).toEqual(expect.any(String));

    const file = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(file.status).toBe(200);
    expect(file.body.case.guardian).toBeNull();
    const referral = (file.body.messages as Array<{ type: string; payload: unknown }>).find(
      (m) => m.type === 'REFERRAL_REQUEST',
    );
    expect(referral?.payload).toBeNull();
    const person = (examplePayload('REFERRAL_REQUEST') as { person: { familyName: string } }).person
      .familyName;
    expect(JSON.stringify(file.body)).not.toContain(person);
    // The peer's copy is its own (docs/retention.md, "Peers").
    const atMk = await api(mk, 'GET', `/cases/${caseRef}`);
    expect(JSON.stringify(atMk.body)).toContain(person);
    // Erased once: a second erasure, or a hold, finds nothing to do.
    expect((await api(fr, 'POST', `/cases/${caseRef}/erasure`, undefined, { as: 'admin' })).status).toBe(409);
    expect((await api(fr, 'PUT', `/cases/${caseRef}/legal-hold`, { reason: 'AUDIT' })).status).toBe(409);

    // No personal data is written for it any more: a coordinator's change is refused (409), and a peer's
    // reply is rejected with CASE_STATE_CONFLICT, the peer told with DELIVERY_REJECTED.
    const manager = { name: 'Jorun Halvdanstad', institution: 'ASE', role: 'case officer' };
    const refusedChange = await api(fr, 'PUT', `/cases/${caseRef}/manager`, manager);
    expect(refusedChange.status).toBe(409);
    expect(refusedChange.body.error).toBe('CASE_STATE_CONFLICT');
    await recordConsent(mk, caseRef, { scopes: ['RETURN'], recipients: ['FR'] });
    const reply = await sendMessage(mk, caseRef, {
      type: 'REFERRAL_CONFIRMATION',
      to: 'FR',
      inReplyTo: referralId,
      payload: examplePayload('REFERRAL_CONFIRMATION'),
    });
    expect(reply.status).toBe(202);
    const rejected = await eventually(
      async () => {
        const status = await messageStatus(mk, reply.body.id as string);
        return status.status === 'REJECTED' ? status : undefined;
      },
      30_000,
      'the reply rejected by FR',
    );
    expect(rejected.reasonCode).toBe('CASE_STATE_CONFLICT');

    // The audit chain, once sealed, verifies end to end.
    const report = await eventually(
      async () => {
        const r = await verifyAuditChain(federation.databaseUrl('FR'));
        return r.pending === 0 && r.sealed > 0 ? r : undefined;
      },
      20_000,
      'the audit chain sealed',
    );
    expect({ ok: report.ok, problems: report.problems }).toEqual({ ok: true, problems: [] });
    const [erased] = await federation.query<{ reason_code: string; details: object }>(
      'FR',
      `SELECT reason_code, details FROM audit_log WHERE action = 'CASE_ERASED' AND case_ref = $1`,
      [caseRef],
    );
    expect(erased).toEqual({
      reason_code: 'ADMIN_REQUEST',
      details: { status: 'OPEN', countries: ['MK'], requestedBy: 'api:admin' },
    });
  }, 60_000);

  it('erases a case again at boot when the database comes back from a backup taken before its erasure', async () => {
    const erasedRef = await openSharableCase(fr);
    await sendExampleDelivered(fr, erasedRef, 'REFERRAL_REQUEST', 'MK');
    const keptRef = await openSharableCase(fr);
    const backupDir = mkdtempSync(path.join(tmpdir(), 'trm-backup-'));
    const backup = path.join(backupDir, 'fr.dump');
    try {
      execFileSync('pg_dump', ['--format=custom', `--file=${backup}`, federation.databaseUrl('FR')]);
      await eraseByTwoAdmins(fr, erasedRef);
      expect(readFileSync(fr.config.erasureLedgerFile, 'utf8').split('\n')).toContain(erasedRef);

      // The database is lost and restored from the backup: in it the case is whole, its key wrapped.
      await federation.stop('FR');
      const adminUrl = new URL(federation.databaseUrl('FR'));
      const database = adminUrl.pathname.slice(1);
      adminUrl.pathname = '/postgres';
      execFileSync('psql', [adminUrl.toString(), '-c', `DROP DATABASE ${database} WITH (FORCE)`]);
      execFileSync('pg_restore', ['--create', `--dbname=${adminUrl}`, backup]);
      expect(
        await federation.query(
          'FR',
          `SELECT wrapped_key IS NOT NULL AS whole FROM case_keys WHERE case_ref = $1`,
          [erasedRef],
        ),
      ).toEqual([{ whole: true }]);
    } finally {
      rmSync(backupDir, { recursive: true, force: true });
    }

    // The node erases it again before it serves, from its erasure ledger, and audits it.
    fr = await federation.start('FR');
    const state = await api(fr, 'GET', `/cases/${erasedRef}/retention`);
    expect(state.body.erasedAt).toEqual(expect.any(String));
    const file = await api(fr, 'GET', `/cases/${erasedRef}`);
    expect(file.status).toBe(200);
    expect(file.body.case.guardian).toBeNull();
    const person = (examplePayload('REFERRAL_REQUEST') as { person: { familyName: string } }).person
      .familyName;
    expect(JSON.stringify(file.body)).not.toContain(person);
    expect(
      await federation.query('FR', `SELECT wrapped_key FROM case_keys WHERE case_ref = $1`, [erasedRef]),
    ).toEqual([{ wrapped_key: null }]);
    expect(
      await federation.query(
        'FR',
        `SELECT actor, reason_code FROM audit_log WHERE action = 'CASE_ERASED' AND case_ref = $1`,
        [erasedRef],
      ),
    ).toEqual([{ actor: 'node:FR', reason_code: 'ERASED_BEFORE_RESTORE' }]);
    // The other cases of the backup read as they were.
    const kept = await api(fr, 'GET', `/cases/${keptRef}`);
    expect(kept.body.case.guardian).toEqual(
      expect.objectContaining({ institution: 'Child protection service' }),
    );
    // Once erased again, a second boot finds nothing to do.
    await federation.stop('FR');
    fr = await federation.start('FR');
    expect(
      await federation.query('FR', `SELECT count(*)::int AS n FROM audit_log WHERE action = 'CASE_ERASED'`),
    ).toEqual([{ n: 2 }]);
  }, 120_000);
});
