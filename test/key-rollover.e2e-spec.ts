import { DataSource } from 'typeorm';
import { OutboxEntity } from '../src/transport/outbox.entity';
import { KeyStore, writeKeyFiles } from '../src/crypto/key-store';
import { generateKeyPairs, seal } from '../src/crypto/trm-crypto';
import { eventually, LocalDirectory, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { AuditCheckpointService } from '../src/checkpoints/audit-checkpoint.service';
import { auditVerify, sealNow } from './support/audit-tools';
import { api, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

type Entry = LocalDirectory['participants'][number];
type PublicKey = { keyId: string; publicKey: string };

/**
 * A transport key rollover (docs/protocol.md, "Key rollover") with messages in flight, on real FR and MK
 * nodes over a signed directory: MK announces its next keys, then makes them current while FR's messages
 * sealed for MK's old key and MK's messages signed with its old key still wait in the outboxes; every one
 * of them is delivered, the new ones use the new keys, and once retired the old key opens nothing.
 */
describe('key rollover with messages in flight (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  // Directory versions taken on request, and audit checkpoints sent when the test wants one.
  const QUIET = { directoryPollMs: 0, auditCheckpointIntervalMs: 0 };
  const IN_FLIGHT = 4;
  let fr: RunningNode;
  let mk: RunningNode;
  let old: { signingKey: PublicKey; encryptionKey: PublicKey };
  let next: { signingKey: PublicKey; encryptionKey: PublicKey };
  const inFlight: { toMk: string[]; toFr: string[] } = { toMk: [], toFr: [] };

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR', { ...QUIET });
    mk = await federation.start('MK', { ...QUIET });
    const entry = federation.entries.get('MK')! as Entry & typeof old;
    old = { signingKey: entry.signingKey, encryptionKey: entry.encryptionKey };
  });

  afterAll(() => federation.tearDown());

  /** Publishes the next directory version with MK's entry changed, and has both nodes take it. */
  const publishMk = async (change: (mkEntry: Entry) => Entry): Promise<number> => {
    const { version } = federation.publishDirectory((participants) =>
      participants.map((p) => (p.code === 'MK' ? change(p) : p)),
    );
    for (const node of [fr, mk]) {
      const reload = await api(node, 'POST', '/directory/reload', undefined, { as: 'admin' });
      expect(reload.body).toMatchObject({ outcome: 'ACCEPTED', version });
    }
    return version;
  };

  const caseUpdate = async (from: RunningNode, to: string, summary: string): Promise<string> => {
    const caseRef = await openSharableCase(from);
    const sent = await sendMessage(from, caseRef, { type: 'CASE_UPDATE', to, payload: { sop: 3, summary } });
    expect(sent.status).toBe(202);
    return sent.body.id as string;
  };

  /** The key ids a message went out with: the signing key (header) and the recipient's sealing key. */
  const wireKeys = async (node: RunningNode, id: string) => {
    // Through the node's own repository: the stored body is encrypted at rest.
    const row = await node
      .app!.get(DataSource)
      .getRepository(OutboxEntity)
      .findOneByOrFail({ messageId: id });
    const envelope = JSON.parse(row.body.toString('utf8')) as { sealed: { recipientKeyId: string } };
    return { signedWith: row.headers['x-trm-key-id'], sealedFor: envelope.sealed.recipientKeyId };
  };

  /** MK signs its audit chain head for FR (with the key it signs with now); resolves once FR keeps it. */
  const checkpointFromMk = async (): Promise<void> => {
    await sealNow(mk);
    const sent = await mk.app!.get(AuditCheckpointService).send({ force: true });
    expect(sent).toMatchObject({ peers: ['FR'] });
    await eventually(
      async () => {
        const kept = await federation.query(
          'FR',
          `SELECT 1 FROM audit_peer_checkpoints WHERE peer = 'MK' AND seq = $1`,
          [sent!.seq],
        );
        return kept.length > 0 ? true : undefined;
      },
      20_000,
      'checkpoint kept by FR',
    );
  };

  it('1. MK announces its next keys: both still use the old ones, and MK holds the new ones', async () => {
    const pairs = generateKeyPairs('MK', 2);
    writeKeyFiles(federation.keysDir, 'MK', pairs, { generation: 2 });
    next = {
      signingKey: { keyId: pairs.signing.keyId, publicKey: pairs.signing.publicKey },
      encryptionKey: { keyId: pairs.encryption.keyId, publicKey: pairs.encryption.publicKey },
    };
    await publishMk((p) => ({
      ...p,
      nextSigningKey: next.signingKey,
      nextEncryptionKey: next.encryptionKey,
    }));

    const id = await caseUpdate(fr, 'MK', 'Sealed for the current key while the next one is announced.');
    await waitDelivered(fr, id);
    expect(await wireKeys(fr, id)).toEqual({ signedWith: 'FR-sig-1', sealedFor: 'MK-enc-1' });
    const back = await caseUpdate(mk, 'FR', 'Signed with the current key while the next one is announced.');
    await waitDelivered(mk, back);
    expect((await wireKeys(mk, back)).signedWith).toBe('MK-sig-1');
    await checkpointFromMk();
  });

  it('2. messages sealed for, and signed with, the old keys wait in both outboxes', async () => {
    // Relays off: what is queued now is sealed and signed now, and published only after the switch.
    await federation.stop('FR');
    await federation.stop('MK');
    fr = await federation.start('FR', { ...QUIET, outboxRelay: false });
    mk = await federation.start('MK', { ...QUIET, outboxRelay: false });
    for (let i = 0; i < IN_FLIGHT; i++) {
      inFlight.toMk.push(await caseUpdate(fr, 'MK', `In flight to MK, number ${i + 1}.`));
      inFlight.toFr.push(await caseUpdate(mk, 'FR', `In flight to FR, number ${i + 1}.`));
    }
    for (const id of inFlight.toMk) expect((await wireKeys(fr, id)).sealedFor).toBe('MK-enc-1');
    for (const id of inFlight.toFr) expect((await wireKeys(mk, id)).signedWith).toBe('MK-sig-1');
    const [{ pending }] = await federation.query<{ pending: number }>(
      'FR',
      `SELECT count(*)::int AS pending FROM outbox WHERE published_at IS NULL`,
    );
    expect(pending).toBe(IN_FLIGHT);
  });

  it('3. the switch: the new keys become current, the old ones retiring; everything in flight is delivered', async () => {
    await publishMk((p) => {
      const { nextSigningKey: _s, nextEncryptionKey: _e, ...rest } = p;
      return {
        ...rest,
        signingKey: next.signingKey,
        encryptionKey: next.encryptionKey,
        previousSigningKey: old.signingKey,
        previousEncryptionKey: old.encryptionKey,
      };
    });
    // Relays on again: the old-key messages go out now, into nodes that use the new keys.
    await federation.stop('FR');
    await federation.stop('MK');
    fr = await federation.start('FR', { ...QUIET });
    mk = await federation.start('MK', { ...QUIET });
    for (const id of inFlight.toMk) await waitDelivered(fr, id);
    for (const id of inFlight.toFr) await waitDelivered(mk, id);

    // New messages use the new keys.
    const toMk = await caseUpdate(fr, 'MK', 'Sealed for the new key.');
    const toFr = await caseUpdate(mk, 'FR', 'Signed with the new key.');
    await waitDelivered(fr, toMk);
    await waitDelivered(mk, toFr);
    expect((await wireKeys(fr, toMk)).sealedFor).toBe('MK-enc-2');
    expect((await wireKeys(mk, toFr)).signedWith).toBe('MK-sig-2');
    // Nothing rejected anywhere, nothing dead-lettered.
    for (const code of ['FR', 'MK']) {
      const rejected = await federation.query(code, `SELECT id FROM messages WHERE status = 'REJECTED'`);
      expect(rejected).toEqual([]);
    }
  });

  it('4. the old keys retired: MK no longer opens a payload sealed for its old key', async () => {
    const keys = mk.app!.get(KeyStore);
    const sealedForOld = () => seal(Buffer.from('{}'), old.encryptionKey, 'a|b|MK|FR|');
    expect(keys.open(sealedForOld(), 'a|b|MK|FR|').toString()).toBe('{}');
    await publishMk((p) => {
      const { previousSigningKey: _s, previousEncryptionKey: _e, ...rest } = p;
      return rest;
    });
    expect(() => keys.open(sealedForOld(), 'a|b|MK|FR|')).toThrow(/sealed for key MK-enc-1/);
    const directory = (await api(fr, 'GET', '/directory')).body;
    const mkEntry = directory.participants.find((p: Entry) => p.code === 'MK');
    expect(mkEntry).toMatchObject({ signingKey: next.signingKey, encryptionKey: next.encryptionKey });
    expect(mkEntry.previousSigningKey).toBeUndefined();
    const id = await caseUpdate(mk, 'FR', 'After the retirement.');
    await waitDelivered(mk, id);

    // MK's audit checkpoints, signed before and after the switch, still verify at FR: audit:verify finds the
    // retired key in the directory versions FR accepted.
    await checkpointFromMk();
    expect(
      await federation.query(
        'FR',
        `SELECT key_id FROM audit_peer_checkpoints WHERE peer = 'MK' ORDER BY seq`,
      ),
    ).toEqual([{ key_id: 'MK-sig-1' }, { key_id: 'MK-sig-2' }]);
    const verified = await auditVerify(['--peer', 'MK', '--peer-url', mk.url], {
      DATABASE_URL: federation.appDatabaseUrl('FR'),
      TRM_DIRECTORY_FILE: federation.directoryFile,
      TRM_KEYS_DIR: federation.keysDir,
      TRM_COUNTRY: 'FR',
    });
    expect(verified.report).toMatchObject({ ok: true, peer: 'MK', checkpoints: 2 });
  });
});
