import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { AuditCheckpointService } from '../src/checkpoints/audit-checkpoint.service';
import type { EvidenceBundle } from '../src/evidence/evidence-bundle';
import { EvidenceReport, verifyEvidenceBundle } from '../src/evidence/evidence-verifier';
import { examplePayload } from '../src/messages/examples';
import type { MessageType } from '../src/messages/message-types';
import { asTamperer, rewriteEntryAndRehash, sealNow } from './support/audit-tools';
import { directorySigningKeys, mutatedCopy, runEvidenceVerify } from './support/evidence-tools';
import {
  api,
  grantAuditor,
  openSharableCase,
  recordConsent,
  sendMessage,
  waitDelivered,
} from './support/node-api';

/**
 * Issue 16, a case's evidence bundle: exported over the API by an auditor granted the case (and audited),
 * checked offline by `npm run evidence:verify` with public keys only, which names whatever was edited,
 * removed or reordered in any part: a message body, a signature, a receipt, an audit entry, the head, a
 * checkpoint.
 */
describe('evidence bundle (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let workDir: string;
  let caseRef: string;
  let otherCase: string;
  const sentByFr: string[] = [];
  let confirmationId: string;
  let bundle: EvidenceBundle;
  let bundleFile: string;
  let keys: Map<string, { keyId: string; publicKey: string }>;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    workDir = mkdtempSync(path.join(tmpdir(), 'trm-evidence-'));
    keys = directorySigningKeys(federation.directoryFile);

    // FR refers the case to MK; another case's traffic sits between its entries in FR's chain.
    caseRef = await openSharableCase(fr);
    otherCase = await openSharableCase(fr);
    const referral = await send(fr, caseRef, 'REFERRAL_REQUEST', 'MK');
    sentByFr.push(referral);
    await waitDelivered(fr, await send(fr, otherCase, 'REFERRAL_REQUEST', 'MK'));
    await waitDelivered(fr, referral);
    // MK confirms under a consent of its own: an inbound message at FR, with FR's receipt going back.
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const confirmation = await sendMessage(mk, caseRef, {
      type: 'REFERRAL_CONFIRMATION',
      to: 'FR',
      inReplyTo: referral,
      payload: examplePayload('REFERRAL_CONFIRMATION'),
    });
    expect(confirmation.status).toBe(202);
    confirmationId = confirmation.body.id;
    await waitDelivered(mk, confirmationId);
    await waitDelivered(fr, await send(fr, otherCase, 'CASE_UPDATE', 'MK'));
    const update = await send(fr, caseRef, 'CASE_UPDATE', 'MK');
    sentByFr.push(update);
    await waitDelivered(fr, update);

    // FR signs its head for MK; MK keeps it.
    const checkpoint = await fr.app!.get(AuditCheckpointService).send({ force: true });
    // What it signed and for whom (null would mean nothing went: the lock was taken or no head yet).
    expect(checkpoint).toEqual({
      seq: expect.any(Number),
      headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      at: expect.any(String),
      peers: ['MK'],
    });
    await eventually(
      async () => {
        const rows = await federation.query('MK', `SELECT 1 FROM audit_peer_checkpoints WHERE peer = 'FR'`);
        return rows.length > 0 ? true : undefined;
      },
      20_000,
      'checkpoint kept by MK',
    );
    await sealNow(fr);
  });

  afterAll(async () => {
    await federation.tearDown();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function send(node: RunningNode, ref: string, type: MessageType, to: string): Promise<string> {
    const sent = await sendMessage(node, ref, { type, to, payload: examplePayload(type) });
    expect(sent.status).toBe(202);
    return sent.body.id as string;
  }

  const exportEvidence = (ref = caseRef, as: 'auditor' | 'coordinator' = 'auditor') =>
    api(fr, 'GET', `/audit/cases/${ref}/evidence`, undefined, { as });

  const evidenceVerify = (file: string) => runEvidenceVerify(file, federation.directoryFile);

  it('refuses an auditor not granted the case (403 CASE_NOT_GRANTED), and a coordinator, and audits the refusal', async () => {
    const refused = await exportEvidence();
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CASE_NOT_GRANTED');
    expect((await exportEvidence(caseRef, 'coordinator')).status).toBe(403);
    const entries = await federation.query(
      'FR',
      `SELECT actor, decision, reason_code FROM audit_log WHERE action = 'EVIDENCE_EXPORTED' AND case_ref = $1`,
      [caseRef],
    );
    expect(entries).toEqual([{ actor: 'api:auditor', decision: 'DENY', reason_code: 'CASE_NOT_GRANTED' }]);
  });

  it('exports every signed message, receipt and entry of the case to a granted auditor, and audits the export', async () => {
    await grantAuditor(fr, caseRef);
    const response = await exportEvidence();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="evidence-${caseRef}.json"`,
    );
    bundle = response.body;
    bundleFile = path.join(workDir, 'bundle.json');
    writeFileSync(bundleFile, response.text);

    // Messages: FR's two, MK's confirmation; receipts: MK's for FR's two, FR's for the confirmation.
    const messages = bundle.messages.map((m) => [m.type, m.direction]);
    expect(messages).toEqual([
      ['REFERRAL_REQUEST', 'OUTBOUND'],
      ['REFERRAL_CONFIRMATION', 'INBOUND'],
      ['CASE_UPDATE', 'OUTBOUND'],
    ]);
    expect(bundle.messages.map((m) => m.messageId)).toEqual([sentByFr[0], confirmationId, sentByFr[1]]);
    expect(bundle.receipts.map((r) => [r.type, r.from, r.to]).sort()).toEqual([
      ['DELIVERY_RECEIPT', 'FR', 'MK'],
      ['DELIVERY_RECEIPT', 'MK', 'FR'],
      ['DELIVERY_RECEIPT', 'MK', 'FR'],
    ]);
    expect(bundle.unavailable).toEqual([]);
    // The bodies are the bytes MK received: its stored copy of FR's referral has the same signature.
    const [inbound] = await federation.query<{ signature: string }>(
      'MK',
      `SELECT signature FROM inbound_wire WHERE id = $1`,
      [sentByFr[0]],
    );
    expect(inbound.signature).toBe(bundle.messages[0].signature);

    // Every sealed entry of the case, in chain order, each at its position with its hash.
    const entries = await federation.query<{ pos: string; hash: string }>(
      'FR',
      `SELECT c.pos::text AS pos, encode(c.hash, 'hex') AS hash FROM audit_chain c
       JOIN audit_log a ON a.seq = c.entry_seq WHERE a.case_ref = $1 AND c.pos <= $2 ORDER BY c.pos`,
      [caseRef, bundle.chain.head.pos],
    );
    const disclosed = bundle.chain.rows.filter((row) => 'canonical' in row);
    const caseRows = disclosed.filter((row) => 'canonical' in row && row.canonical.includes(`"${caseRef}"`));
    expect(caseRows.map((row) => [String(row.pos), 'hash' in row ? row.hash : null])).toEqual(
      entries.map((e) => [e.pos, e.hash]),
    );
    expect(entries.length).toBeGreaterThan(10);
    // The other case's entries sit between them, shown as leaves only: its reference appears nowhere.
    expect(bundle.chain.rows.some((row) => 'leaf' in row)).toBe(true);
    expect(response.text).not.toContain(otherCase);
    // Beyond the case's own entries, only the record of the checkpoint sent to MK is shown.
    expect(disclosed.length - caseRows.length).toBe(1);
    expect(bundle.checkpoints.map((c) => c.peer)).toEqual(['MK']);

    const [exported] = await federation.query(
      'FR',
      `SELECT decision, details FROM audit_log WHERE action = 'EVIDENCE_EXPORTED' AND decision = 'ALLOW'`,
    );
    expect(exported).toEqual({
      decision: 'ALLOW',
      details: { headPos: bundle.chain.head.pos, messages: 3, receipts: 3, checkpoints: 1 },
    });
  });

  it('keeps inbound signed bodies encrypted at rest', async () => {
    const rows = await federation.query<{ body: string }>('FR', `SELECT body FROM inbound_wire`);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      expect(row.body).not.toContain('REFERRAL');
      expect(Buffer.from(row.body, 'base64').toString('utf8')).not.toContain('"type"');
    }
  });

  it('npm run evidence:verify passes the untouched bundle, offline, with the directory’s public keys', async () => {
    const result = await evidenceVerify(bundleFile);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('OK: nothing was edited, removed, inserted or reordered');
    expect(result.stdout).toMatch(/checkpoint sent to MK at position \d+: matches/);
    const report = verifyEvidenceBundle(bundle, keys);
    expect(report).toMatchObject({ ok: true, messages: 3, receipts: 3, problems: [] });
    expect(report.witnessedUpTo).toBe(bundle.checkpoints[0].pos);
    // After the checkpoint: the admin's grant and the refused export, rest on the head alone.
    expect(report.entriesAfterWitness).toBe(2);
  });

  /** A copy of the bundle changed by `mutate`. */
  const mutated = (mutate: (copy: EvidenceBundle) => void) => mutatedCopy(bundle, mutate);

  const editBody = (body: string): string => {
    const text = Buffer.from(body, 'base64').toString('utf8');
    return Buffer.from(text.replace('"sentAt":"2', '"sentAt":"1'), 'utf8').toString('base64');
  };
  const caseRowIndexes = (copy: EvidenceBundle): number[] =>
    copy.chain.rows.flatMap((row, i) => ('canonical' in row && row.canonical.includes(caseRef) ? [i] : []));

  const problems = (report: EvidenceReport) => report.problems.map((p) => [p.part, p.kind]);

  it.each<[string, (copy: EvidenceBundle) => void, Array<[string, string]>]>([
    [
      'a message body edited',
      (c) => (c.messages[1].body = editBody(c.messages[1].body)),
      [['message', 'EDITED']],
    ],
    [
      'a signature swapped',
      (c) => (c.messages[0].signature = c.messages[2].signature),
      [['message', 'EDITED']],
    ],
    ['a receipt edited', (c) => (c.receipts[0].body = editBody(c.receipts[0].body)), [['receipt', 'EDITED']]],
    ['a receipt removed', (c) => c.receipts.splice(1, 1), [['receipt', 'REMOVED']]],
    ['a message removed', (c) => c.messages.splice(1, 1), [['message', 'REMOVED']]],
    [
      'two messages reordered',
      (c) => ([c.messages[0], c.messages[2]] = [c.messages[2], c.messages[0]]),
      [['message', 'REORDERED']],
    ],
    [
      'an audit entry edited',
      (c) => {
        const row = c.chain.rows[caseRowIndexes(c)[2]] as { canonical: string };
        row.canonical = row.canonical.replace(/^\[1, "(\d+)"/, (_, seq) => `[1, "${Number(seq) + 1000}"`);
      },
      [['entry', 'EDITED']],
    ],
    ['an audit entry removed', (c) => c.chain.rows.splice(caseRowIndexes(c)[3], 1), [['chain', 'REMOVED']]],
    [
      'two audit entries reordered',
      (c) => {
        const [a, b] = caseRowIndexes(c).slice(1, 3);
        [c.chain.rows[a], c.chain.rows[b]] = [c.chain.rows[b], c.chain.rows[a]];
      },
      [['entry', 'REORDERED']],
    ],
    ['the head edited', (c) => (c.chain.head.hash = '0'.repeat(64)), [['head', 'EDITED']]],
    [
      'a checkpoint’s stated hash edited',
      (c) => (c.checkpoints[0].headHash = c.chain.head.hash.replace(/^./, (x) => (x === 'a' ? 'b' : 'a'))),
      [['checkpoint', 'EDITED']],
    ],
    [
      'a checkpoint’s signed body edited',
      (c) => (c.checkpoints[0].wire.body = editBody(c.checkpoints[0].wire.body)),
      [['checkpoint', 'EDITED']],
    ],
  ])('finds %s, and names it', (_, mutate, expected) => {
    const report = verifyEvidenceBundle(mutated(mutate), keys);
    expect(report.ok).toBe(false);
    for (const problem of expected) expect(problems(report)).toContainEqual(problem);
  });

  it('finds another case’s leaf edited: the chain no longer leads to the next entry’s seal', () => {
    const report = verifyEvidenceBundle(
      mutated((c) => {
        const row = c.chain.rows.find((r) => 'leaf' in r) as { leaf: string };
        row.leaf = '0'.repeat(64);
      }),
      keys,
    );
    expect(problems(report)).toEqual([['chain', 'EDITED']]);
  });

  it('the CLI names a mutation and exits 1', async () => {
    const file = path.join(workDir, 'edited.json');
    writeFileSync(file, JSON.stringify(mutated((c) => (c.chain.head.hash = '0'.repeat(64)))));
    const result = await evidenceVerify(file);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED: 1 problem\(s\):\n {2}head +EDITED/);
    const notJson = path.join(workDir, 'not-json.json');
    writeFileSync(notJson, 'not a bundle');
    const malformed = await evidenceVerify(notJson);
    expect(malformed.code).toBe(1);
    expect(malformed.stdout).toContain('MALFORMED');
  });

  it('a node that rewrites a case entry and re-hashes its chain exports a bundle that contradicts the checkpoint MK holds', async () => {
    await asTamperer(federation, 'FR', (db: Client) =>
      rewriteEntryAndRehash(
        db,
        `SELECT a.seq FROM audit_log a JOIN audit_chain c ON c.entry_seq = a.seq
         WHERE a.case_ref = $1 AND a.action = 'MESSAGE_QUEUED' ORDER BY c.pos LIMIT 1`,
        [caseRef],
      ),
    );
    const response = await exportEvidence();
    expect(response.status).toBe(200);
    const report = verifyEvidenceBundle(response.body, keys);
    // Consistent in itself, but not with what FR signed for MK before the rewrite.
    expect(problems(report)).toEqual([['checkpoint', 'EDITED']]);
    expect(report.problems[0].detail).toContain('the peer was sent');
  });
});
