import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { GENESIS_HASH } from '../src/audit/audit-chain';
import { AuditCheckpointService } from '../src/checkpoints/audit-checkpoint.service';
import { FieldCipher } from '../src/crypto/field-cipher';
import { verify } from '../src/crypto/trm-crypto';
import { examplePayload } from '../src/messages/examples';
import { asTamperer, auditVerify, rewriteEntryAndRehash, sealNow } from './support/audit-tools';
import { ForeignPeer } from './support/foreign-peer';
import { openCase, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

/**
 * Issue 4, cross-border witnessing: nodes sign their chain heads for each other, keep what peers signed,
 * and `audit:verify --peer` proves a peer's chain today still extends what it signed, so a country cannot
 * rewrite its history unseen. IT is a participant written from PROTOCOL.md alone (interoperability).
 */
describe('audit checkpoints (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  let fr: RunningNode;
  let italy: ForeignPeer;
  let workDir: string;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    await federation.start('MK');
    italy = await ForeignPeer.connect(federation, 'IT');
    workDir = mkdtempSync(path.join(tmpdir(), 'trm-audit-checkpoints-'));
    await referral();
  });

  afterAll(async () => {
    await italy?.close();
    await federation.tearDown();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function referral(): Promise<void> {
    const caseRef = await openSharableCase(fr);
    const sent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect(sent.status).toBe(202);
    await waitDelivered(fr, sent.body.id, 20_000);
  }

  /** FR signs its head for every peer; resolves once MK keeps it and FR has MK's receipt. */
  async function checkpointFromFr(): Promise<{ seq: number; headHash: string }> {
    const sent = await fr.app!.get(AuditCheckpointService).send({ force: true });
    expect(sent).toMatchObject({ peers: ['MK', 'IT'] });
    await eventually(
      async () => {
        // Payloads are encrypted at rest: read them with FR's data key.
        const cipher = FieldCipher.load(federation.keysDir, 'FR');
        const rows = await federation.query<{ id: string; payload: string }>(
          'FR',
          `SELECT id::text AS id, payload FROM messages m WHERE m.type = 'AUDIT_CHECKPOINT' AND m.counterpart = 'MK' AND m.status = 'DELIVERED'`,
        );
        // Bound to its row: opened with the row's id.
        const seqs = rows.map(
          (r) => JSON.parse(cipher.open(r.payload, 'messages.payload', r.id).toString()).seq,
        );
        return seqs.map(Number).includes(Number(sent!.seq)) ? true : undefined;
      },
      20_000,
      'checkpoint delivered to MK',
    );
    await sealNow(fr);
    return sent!;
  }

  const verifyAt = (code: string, args: string[]) =>
    auditVerify(args, {
      DATABASE_URL: federation.appDatabaseUrl(code),
      TRM_DIRECTORY_FILE: federation.directoryFile,
      TRM_KEYS_DIR: federation.keysDir,
      TRM_COUNTRY: code,
    });

  it('signs the chain head for every peer, and the peer keeps the exact signed bytes', async () => {
    const sent = await checkpointFromFr();
    const [head] = await federation.query<{ hash: string }>(
      'FR',
      `SELECT encode(hash, 'hex') AS hash FROM audit_chain WHERE pos = $1`,
      [sent.seq],
    );
    expect(sent.headHash).toBe(head.hash);
    const [kept] = await federation.query<{
      seq: string;
      head_hash: string;
      body: Buffer;
      signature: string;
    }>(
      'MK',
      `SELECT seq::text AS seq, head_hash, body, signature FROM audit_peer_checkpoints WHERE peer = 'FR'`,
    );
    expect(kept).toMatchObject({ seq: String(sent.seq), head_hash: sent.headHash });
    const directory = JSON.parse(readFileSync(federation.directoryFile, 'utf8'));
    const frKey = directory.participants.find((p: { code: string }) => p.code === 'FR').signingKey.publicKey;
    expect(verify(kept.body, kept.signature, frKey)).toBe(true);
    expect(JSON.parse(kept.body.toString('utf8'))).toMatchObject({
      type: 'AUDIT_CHECKPOINT',
      from: 'FR',
      to: 'MK',
      caseRef: null,
    });
    // Written from PROTOCOL.md alone, IT can read it too.
    const atItaly = await italy.waitFor(
      (r) => r.envelope.type === 'AUDIT_CHECKPOINT',
      15_000,
      'checkpoint at IT',
    );
    expect(atItaly[0].payload).toEqual({ seq: sent.seq, headHash: sent.headHash, at: expect.any(String) });

    const [entry] = await federation.query(
      'FR',
      `SELECT counterpart, details FROM audit_log WHERE action = 'AUDIT_CHECKPOINT_SENT' AND counterpart = 'MK'`,
    );
    expect(entry).toEqual({ counterpart: 'MK', details: { seq: sent.seq, headHash: sent.headHash } });
  });

  it('sends on its own at the configured interval', async () => {
    const fast = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
    await fast.setUp();
    try {
      const node = await fast.start('FR', { auditCheckpointIntervalMs: 300 });
      await fast.start('MK');
      await openCase(node); // an empty chain has no head to sign
      const kept = await eventually(
        async () => {
          const rows = await fast.query<{ n: number }>(
            'MK',
            `SELECT count(*)::int AS n FROM audit_peer_checkpoints WHERE peer = 'FR'`,
          );
          return rows[0].n >= 2 ? rows[0].n : undefined;
        },
        20_000,
        'two periodic checkpoints at MK',
      );
      expect(kept).toBeGreaterThanOrEqual(2);
    } finally {
      await fast.tearDown();
    }
  });

  it("audit:verify --peer proves FR's chain still extends its checkpoints, from FR's node or FR's export", async () => {
    await referral();
    await checkpointFromFr();
    const fromNode = await verifyAt('MK', ['--peer', 'FR', '--peer-url', fr.url]);
    expect(fromNode.stderr).toBe('');
    expect(fromNode.report).toMatchObject({
      ok: true,
      peer: 'FR',
      checkpoints: 2,
      payloadsChecked: true,
      problems: [],
    });
    expect(fromNode.code).toBe(0);

    const exportFile = path.join(workDir, 'fr-chain.jsonl');
    const exported = await verifyAt('FR', ['--export-chain', exportFile]);
    expect(exported.code).toBe(0);
    const fromFile = await verifyAt('MK', ['--peer', 'FR', '--peer-chain', exportFile]);
    expect(fromFile.report).toMatchObject({ ok: true, checkpoints: 2 });
    expect(fromFile.code).toBe(0);
  });

  it('finds a forged checkpoint: a bad signature, or stored values that are not what the peer signed', async () => {
    const [genuine] = await federation.query<Record<string, unknown>>(
      'MK',
      `SELECT * FROM audit_peer_checkpoints WHERE peer = 'FR' ORDER BY seq LIMIT 1`,
    );
    const forgeries: Array<Record<string, unknown>> = [
      {
        ...genuine,
        message_id: '0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f10',
        signature: Buffer.alloc(64, 7).toString('base64'),
      },
      {
        ...genuine,
        message_id: '0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f11',
        seq: Number(genuine.seq) + 1,
        head_hash: 'ab'.repeat(32),
      },
    ];
    for (const forged of forgeries) {
      delete forged.id;
      const columns = Object.keys(forged);
      await asTamperer(federation, 'MK', (db) =>
        db.query(
          `INSERT INTO audit_peer_checkpoints (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          columns.map((c) => forged[c]),
        ),
      );
      try {
        const result = await verifyAt('MK', ['--peer', 'FR', '--peer-url', fr.url]);
        expect(result.code).toBe(1);
        expect(result.report.problems).toEqual([
          expect.objectContaining({ kind: 'FORGED', messageId: forged.message_id }),
        ]);
      } finally {
        await asTamperer(federation, 'MK', (db) =>
          db.query(`DELETE FROM audit_peer_checkpoints WHERE message_id = $1`, [forged.message_id]),
        );
      }
    }
    expect((await verifyAt('MK', ['--peer', 'FR', '--peer-url', fr.url])).code).toBe(0);
  });

  it('keeps two contradicting checkpoints from one peer as evidence, and audit:verify names the conflict', async () => {
    const signedHash = 'cd'.repeat(32);
    for (const headHash of [signedHash, 'ef'.repeat(32)]) {
      const id = await italy.send({
        type: 'AUDIT_CHECKPOINT',
        to: 'MK',
        caseRef: null,
        legalBasis: 'NONE',
        payload: { seq: 3, headHash, at: new Date().toISOString() },
      });
      expect((await italy.replyTo(id)).envelope.type).toBe('DELIVERY_RECEIPT');
    }
    const [conflict] = await federation.query(
      'MK',
      `SELECT actor, reason_code, details FROM audit_log WHERE action = 'AUDIT_CHECKPOINT_CONFLICT'`,
    );
    expect(conflict).toMatchObject({
      actor: 'IT',
      reason_code: 'EQUIVOCATION',
      details: { seq: 3, earlierSeq: '3' },
    });

    // IT's chain, as its auditors exported it: position 3 holds the first hash it signed.
    const chainFile = path.join(workDir, 'it-chain.jsonl');
    let previous = GENESIS_HASH.toString('hex');
    const lines = [1, 2, 3, 4].map((pos) => {
      const hash = pos === 3 ? signedHash : String(pos).repeat(64).slice(0, 64);
      const line = JSON.stringify({ pos: String(pos), entrySeq: String(pos), prevHash: previous, hash });
      previous = hash;
      return line;
    });
    writeFileSync(chainFile, `${lines.join('\n')}\n`);
    const result = await verifyAt('MK', ['--peer', 'IT', '--peer-chain', chainFile]);
    expect(result.code).toBe(1);
    expect(result.report.problems.map((p: { kind: string }) => p.kind).sort()).toEqual([
      'CONFLICT',
      'REWRITTEN',
    ]);
  });

  it('catches a peer that rewrote its history after signing it, though its own chain looks intact', async () => {
    await checkpointFromFr();
    // FR rewrites an early entry and re-hashes everything after it: without witnesses, nothing would show.
    await asTamperer(federation, 'FR', (db: Client) =>
      rewriteEntryAndRehash(db, `SELECT entry_seq AS seq FROM audit_chain WHERE pos = 2`),
    );
    const local = await verifyAt('FR', []);
    expect(local.code).toBe(0);

    const witnessed = await verifyAt('MK', ['--peer', 'FR', '--peer-url', fr.url]);
    expect(witnessed.code).toBe(1);
    expect(witnessed.report.problems.length).toBeGreaterThanOrEqual(3);
    expect(new Set(witnessed.report.problems.map((p: { kind: string }) => p.kind))).toEqual(
      new Set(['REWRITTEN']),
    );
  });
});
