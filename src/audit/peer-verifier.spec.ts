import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { KeyStore, writeKeyFiles } from '../crypto/key-store';
import { generateKeyPairs } from '../crypto/trm-crypto';
import { encodeMessage } from '../transport/envelope-codec';
import { GENESIS_HEX } from './audit-chain';
import {
  checkConsistency,
  checkPeerChain,
  checkSignedCheckpoint,
  PeerChainRow,
  StoredCheckpoint,
} from './peer-verifier';

describe('peer checkpoint verification', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'trm-peer-verifier-'));
  const fr = generateKeyPairs('FR');
  const mk = generateKeyPairs('MK');
  writeKeyFiles(dir, 'FR', fr);
  writeKeyFiles(dir, 'MK', mk);
  const frKeys = KeyStore.load(dir, 'FR');
  const mkKeys = KeyStore.load(dir, 'MK');
  const frKey = { keyId: fr.signing.keyId, publicKey: fr.signing.publicKey };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let counter = 0;
  /** What MK stores for a checkpoint FR really signed. */
  function signed(seq: number, headHash: string, signedAt = '2026-11-23T10:00:00.000Z'): StoredCheckpoint {
    const id = `0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f${String(++counter).padStart(2, '0')}`;
    const wire = encodeMessage(
      {
        id,
        type: 'AUDIT_CHECKPOINT',
        from: 'FR',
        to: 'MK',
        caseRef: null,
        inReplyTo: null,
        sentAt: new Date(signedAt),
        legalBasis: 'NONE',
        payload: { seq, headHash, at: signedAt },
      },
      { code: 'MK', encryptionKey: { keyId: mk.encryption.keyId, publicKey: mk.encryption.publicKey } },
      frKeys,
    );
    return {
      peer: 'FR',
      messageId: id,
      seq: String(seq),
      headHash,
      signedAt,
      keyId: String(wire.headers['x-trm-key-id']),
      body: wire.body,
      signature: String(wire.headers['x-trm-signature']),
    };
  }

  const hash = (n: number) => n.toString(16).padStart(64, '0');

  describe('checkSignedCheckpoint', () => {
    it('accepts what the peer signed, payload opened with our key', () => {
      expect(checkSignedCheckpoint(signed(3, hash(3)), frKey, 'MK', mkKeys)).toBeNull();
    });

    it.each([
      [
        'a bad signature',
        (c: StoredCheckpoint) => ({ ...c, signature: Buffer.alloc(64, 1).toString('base64') }),
      ],
      ['another key id', (c: StoredCheckpoint) => ({ ...c, keyId: 'FR-sig-9' })],
      ['another position stored', (c: StoredCheckpoint) => ({ ...c, seq: '4' })],
      ['another hash stored', (c: StoredCheckpoint) => ({ ...c, headHash: hash(99) })],
      ['another message id stored', (c: StoredCheckpoint) => ({ ...c, messageId: 'x' })],
      [
        'a body signed by someone else',
        (c: StoredCheckpoint) => {
          const body = Buffer.from(c.body.toString('utf8').replace('"from":"FR"', '"from":"IT"'));
          return { ...c, body, signature: frKeys.sign(body) };
        },
      ],
    ])('calls %s forged', (_, forge) => {
      expect(checkSignedCheckpoint(forge(signed(3, hash(3))), frKey, 'MK', mkKeys)).toMatchObject({
        kind: 'FORGED',
      });
    });

    it('checks a checkpoint meant for another node as forged for this one', () => {
      expect(checkSignedCheckpoint(signed(3, hash(3)), frKey, 'IT', mkKeys)?.kind).toBe('FORGED');
    });

    it('without our key, still checks signature and envelope', () => {
      const stored = { ...signed(3, hash(3)), seq: '4' };
      expect(checkSignedCheckpoint(stored, frKey, 'MK', null)).toBeNull();
      expect(checkSignedCheckpoint(stored, frKey, 'MK', mkKeys)?.kind).toBe('FORGED');
    });
  });

  describe('checkConsistency', () => {
    it('names two hashes signed for one position', () => {
      const problems = checkConsistency([signed(3, hash(3)), signed(3, hash(4))]);
      expect(problems).toEqual([expect.objectContaining({ kind: 'CONFLICT', seq: '3' })]);
    });

    it('names a shorter chain signed after a longer one', () => {
      const problems = checkConsistency([
        signed(5, hash(5), '2026-11-23T10:00:00.000Z'),
        signed(4, hash(4), '2026-11-23T11:00:00.000Z'),
      ]);
      expect(problems).toEqual([expect.objectContaining({ kind: 'CONFLICT', seq: '4' })]);
    });

    it('accepts a chain that only grows', () => {
      expect(checkConsistency([signed(2, hash(2)), signed(5, hash(5), '2026-11-23T11:00:00.000Z')])).toEqual(
        [],
      );
    });
  });

  describe('checkPeerChain', () => {
    function peerChain(n: number, rewriteFrom = Infinity): PeerChainRow[] {
      let previous = GENESIS_HEX;
      return Array.from({ length: n }, (_, i) => {
        const pos = i + 1;
        const row = {
          pos: String(pos),
          entrySeq: String(pos),
          prevHash: previous,
          hash: hash(pos >= rewriteFrom ? 1000 + pos : pos),
        };
        previous = row.hash;
        return row;
      });
    }
    async function* served(rows: PeerChainRow[]): AsyncGenerator<PeerChainRow> {
      yield* rows;
    }
    const kinds = async (checkpoints: StoredCheckpoint[], rows: PeerChainRow[]) =>
      (await checkPeerChain(checkpoints, served(rows))).problems.map((p) => [p.kind, p.seq]);

    it('passes a chain that extends every signed position', async () => {
      const result = await checkPeerChain(
        [signed(3, hash(3)), signed(6, hash(6))],
        served(peerChain(9).slice(2)),
      );
      expect(result).toEqual({ problems: [], headPos: 9, rowsChecked: 7 });
    });

    it('names every signed position whose hash changed', async () => {
      expect(await kinds([signed(3, hash(3)), signed(6, hash(6))], peerChain(9, 5).slice(2))).toEqual([
        ['REWRITTEN', '6'],
      ]);
    });

    it('names a chain now shorter than a signed position', async () => {
      expect(await kinds([signed(3, hash(3)), signed(12, hash(12))], peerChain(9).slice(2))).toEqual([
        ['TRUNCATED', '12'],
      ]);
    });

    it('names rows that do not link, and a signed position the peer no longer serves', async () => {
      const rows = peerChain(9).slice(2);
      const broken = [...rows.slice(0, 3), { ...rows[3], prevHash: hash(77) }, ...rows.slice(4)];
      expect(await kinds([signed(3, hash(3))], broken)).toEqual([['BROKEN_CHAIN', '6']]);
      const skipping = rows.filter((r) => r.pos !== '6');
      expect(await kinds([signed(6, hash(6))], skipping.slice(1))).toEqual([
        ['BROKEN_CHAIN', '7'],
        ['REWRITTEN', '6'],
      ]);
    });
  });
});
