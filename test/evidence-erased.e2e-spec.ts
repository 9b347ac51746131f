import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { AuditCheckpointService } from '../src/checkpoints/audit-checkpoint.service';
import type { EvidenceBundle } from '../src/evidence/evidence-bundle';
import { EvidenceReport, verifyEvidenceBundle } from '../src/evidence/evidence-verifier';
import { examplePayload } from '../src/messages/examples';
import { sealNow } from './support/audit-tools';
import { directorySigningKeys, mutatedCopy, runEvidenceVerify } from './support/evidence-tools';
import {
  api,
  createSecondAdmin,
  eraseByTwoAdmins,
  grantAuditor,
  openSharableCase,
  recordConsent,
  sendExampleDelivered,
  sendMessage,
  waitDelivered,
} from './support/node-api';

/**
 * What an auditor still gets of an erased case (docs/retention.md, docs/audit.md "Evidence bundle per case"):
 * the evidence bundle, without the bodies the case's key kept (the peers' signed bodies carry payloads this
 * node opens), which it says are erased; `evidence:verify` accepts those absences and only those. The case
 * file and timeline answer with the personal values gone and the erasure shown.
 */
describe('evidence and views of an erased case (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let workDir: string;
  let caseRef: string;
  let referralId: string;
  let confirmationId: string;
  let bundle: EvidenceBundle;
  let bundleFile: string;
  let keys: Map<string, { keyId: string; publicKey: string }>;
  const person = (examplePayload('REFERRAL_REQUEST') as { person: { familyName: string } }).person.familyName;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    workDir = mkdtempSync(path.join(tmpdir(), 'trm-evidence-erased-'));
    keys = directorySigningKeys(federation.directoryFile);
    // FR refers the case to MK, MK confirms (an inbound body at FR), FR signs its head for MK.
    caseRef = await openSharableCase(fr);
    referralId = await sendExampleDelivered(fr, caseRef, 'REFERRAL_REQUEST', 'MK');
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const confirmation = await sendMessage(mk, caseRef, {
      type: 'REFERRAL_CONFIRMATION',
      to: 'FR',
      inReplyTo: referralId,
      payload: examplePayload('REFERRAL_CONFIRMATION'),
    });
    expect(confirmation.status).toBe(202);
    confirmationId = confirmation.body.id as string;
    await waitDelivered(mk, confirmationId);
    await fr.app!.get(AuditCheckpointService).send({ force: true });

    await createSecondAdmin(fr);
    await eraseByTwoAdmins(fr, caseRef);
    await sealNow(fr);
  }, 120_000);

  afterAll(async () => {
    await federation.tearDown();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const evidenceVerify = (file: string) => runEvidenceVerify(file, federation.directoryFile);

  it('exports the bundle of the erased case to a granted auditor, saying what the erasure took', async () => {
    // The grant comes after the erasure: an auditor looks into a case long after its data is gone.
    await grantAuditor(fr, caseRef);
    const response = await api(fr, 'GET', `/audit/cases/${caseRef}/evidence`, undefined, { as: 'auditor' });
    expect(response.status).toBe(200);
    bundle = response.body;
    bundleFile = path.join(workDir, 'bundle.json');
    writeFileSync(bundleFile, response.text);

    // The CASE_ERASED entry, at its position and time.
    const [erasedEntry] = await federation.query<{ pos: string; at: string }>(
      'FR',
      `SELECT c.pos::text AS pos, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
       FROM audit_log a JOIN audit_chain c ON c.entry_seq = a.seq WHERE a.action = 'CASE_ERASED' AND a.case_ref = $1`,
      [caseRef],
    );
    expect(bundle.erased).toEqual({ pos: Number(erasedEntry.pos), at: erasedEntry.at });
    // What FR signed and sent stays: its referral and its receipt for MK's confirmation. What MK signed for
    // FR (the confirmation, the receipt for the referral) carried payloads FR opens: gone with the case's key.
    expect(bundle.messages.map((m) => [m.messageId, m.direction])).toEqual([[referralId, 'OUTBOUND']]);
    expect(bundle.receipts.map((r) => [r.type, r.from, r.to])).toEqual([['DELIVERY_RECEIPT', 'FR', 'MK']]);
    const received = await federation.query<{ id: string }>(
      'FR',
      `SELECT message_id AS id FROM audit_log WHERE action = 'MESSAGE_RECEIVED' AND case_ref = $1 ORDER BY seq`,
      [caseRef],
    );
    expect(received.map((r) => r.id)).toContain(confirmationId);
    expect(bundle.unavailable).toEqual(received.map((r) => ({ messageId: r.id, reason: 'ERASED' })));
    expect(bundle.checkpoints.map((c) => c.peer)).toEqual(['MK']);
    expect(response.text).not.toContain(person);

    // Audited as any export.
    const [exported] = await federation.query(
      'FR',
      `SELECT decision, details FROM audit_log WHERE action = 'EVIDENCE_EXPORTED' AND case_ref = $1`,
      [caseRef],
    );
    expect(exported).toEqual({
      decision: 'ALLOW',
      details: { headPos: bundle.chain.head.pos, messages: 1, receipts: 1, checkpoints: 1 },
    });
  });

  it('npm run evidence:verify passes it, and says the case was erased and what went with it', async () => {
    const result = await evidenceVerify(bundleFile);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `the case was erased at ${bundle.erased!.at}: ${bundle.unavailable.length} received bodies went with its key`,
    );
    expect(result.stdout).toContain('OK: nothing was edited, removed, inserted or reordered');
  });

  const mutated = (mutate: (copy: EvidenceBundle) => void) => mutatedCopy(bundle, mutate);
  const problems = (report: EvidenceReport) => report.problems.map((p) => [p.part, p.kind]);

  it.each<[string, (copy: EvidenceBundle) => void, [string, string]]>([
    ['a sent message removed', (c) => c.messages.splice(0, 1), ['message', 'REMOVED']],
    [
      'a sent message passed off as erased',
      (c) => c.unavailable.push({ messageId: c.messages.splice(0, 1)[0].messageId, reason: 'ERASED' }),
      ['message', 'REMOVED'],
    ],
    ['an erased body left unaccounted for', (c) => c.unavailable.splice(0, 1), ['receipt', 'REMOVED']],
    ['the erasure left unsaid', (c) => (c.erased = null), ['erasure', 'REMOVED']],
    [
      'the erasure’s time edited',
      (c) => (c.erased!.at = '2020-01-01T00:00:00.000000Z'),
      ['erasure', 'EDITED'],
    ],
    [
      'the receipt’s signature swapped',
      (c) => (c.receipts[0].signature = c.messages[0].signature),
      ['receipt', 'EDITED'],
    ],
    [
      'the erasure entry edited',
      (c) => {
        const row = c.chain.rows.find((r) => r.pos === c.erased!.pos) as { canonical: string };
        row.canonical = row.canonical.replace('ADMIN_REQUEST', 'RETENTION_EXPIRED');
      },
      ['entry', 'EDITED'],
    ],
    [
      'two entries of the case reordered',
      (c) => {
        const shown = c.chain.rows.flatMap((r, i) =>
          'canonical' in r && r.canonical.includes(caseRef) ? [i] : [],
        );
        const [a, b] = shown.slice(-2);
        [c.chain.rows[a], c.chain.rows[b]] = [c.chain.rows[b], c.chain.rows[a]];
      },
      ['entry', 'REORDERED'],
    ],
  ])('still finds %s', (_, mutate, expected) => {
    const report = verifyEvidenceBundle(mutated(mutate), keys);
    expect(report.ok).toBe(false);
    expect(problems(report)).toContainEqual(expected);
  });

  it('answers the case file, its panels and its timeline: the erasure shown, the personal values gone', async () => {
    const other = { name: 'auditor-two', password: 'second-auditor-password-1' };
    expect(
      (await api(fr, 'POST', '/admin/accounts', { ...other, role: 'auditor' }, { as: 'admin' })).status,
    ).toBe(201);
    // The coordinator, the granted auditor, and an auditor not granted it (pseudonymised).
    for (const as of ['coordinator', 'auditor', other] as const) {
      const file = await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as });
      expect(file.status).toBe(200);
      expect(file.body.case.erasedAt).toEqual(expect.any(String));
      expect(file.text).not.toContain(person);
      const messages = file.body.messages as Array<{ id: string; payload: unknown }>;
      expect(messages.map((m) => m.id)).toEqual(expect.arrayContaining([referralId, confirmationId]));
      if (as === 'coordinator') {
        expect(file.body.case.guardian).toBeNull();
        for (const m of messages) expect(m.payload).toBeNull();
      }
    }
    const timeline = await api(fr, 'GET', `/audit/cases/${caseRef}/timeline`, undefined, { as: 'auditor' });
    expect(timeline.status).toBe(200);
    expect(timeline.text).toContain('CASE_ERASED');
    // What the console's case view loads beside the file.
    for (const part of [
      'facts',
      'consents',
      'risk-assessments',
      'local-secrets',
      'expectations',
      'retention',
      'compose-options',
    ]) {
      const answer = await api(fr, 'GET', `/cases/${caseRef}/${part}`);
      expect([part, answer.status]).toEqual([part, 200]);
      expect(answer.text).not.toContain(person);
    }
    const message = await api(fr, 'GET', `/messages/${confirmationId}`);
    expect(message.status).toBe(200);
  });
});
