import { DataSource } from 'typeorm';
import { CasesRepository } from '../src/cases/cases.repository';
import { examplePayload } from '../src/messages/examples';
import { deadLetterQueue } from '../src/transport/topology';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { ForeignPeer } from './support/foreign-peer';
import { api, openCase } from './support/node-api';

/**
 * What a peer (or someone holding a peer's broker account) can send that must not be applied: every case
 * ends in a dead letter with its reason, an audit entry, and a DELIVERY_REJECTED to the publisher the broker
 * vouches for; nothing of it reaches the case.
 */
describe('hostile or broken peers (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  let mk: RunningNode;
  let italy: ForeignPeer;
  let france: ForeignPeer;

  beforeAll(async () => {
    await federation.setUp();
    mk = await federation.start('MK');
    italy = await ForeignPeer.connect(federation, 'IT');
    france = await ForeignPeer.connect(federation, 'FR');
  });

  afterAll(async () => {
    await italy?.close();
    await france?.close();
    await federation.tearDown();
  });

  const referral = (caseRef: string) => ({
    type: 'REFERRAL_REQUEST' as const,
    to: 'MK',
    caseRef,
    payload: examplePayload('REFERRAL_REQUEST'),
  });

  async function storedMessages(id: string): Promise<number> {
    const rows = await federation.query<{ n: number }>(
      'MK',
      `SELECT count(*)::int AS n FROM messages WHERE id = $1`,
      [id],
    );
    return rows[0].n;
  }

  async function deadLetterFor(id: string): Promise<Record<string, unknown>> {
    return federation.withAdminChannel(async (channel) => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const message = await channel.get(deadLetterQueue('MK'), { noAck: false });
        if (message && message.properties.messageId === id) {
          channel.ack(message);
          return message.properties.headers as Record<string, unknown>;
        }
        if (message) channel.nack(message, false, true);
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no dead letter for ${id}`);
    });
  }

  async function auditedRejection(id: string): Promise<string> {
    const rows = await federation.query<{ reason_code: string }>(
      'MK',
      `SELECT reason_code FROM audit_log WHERE action = 'MESSAGE_REJECTED' AND message_id = $1`,
      [id],
    );
    return rows[0]?.reason_code;
  }

  it('applies a duplicate delivery once and answers it with the same receipt', async () => {
    const built = italy.build(referral('TRM-IT-2026-000101'));
    const publish = () =>
      italy.publish(built.body, {
        id: built.id,
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        signature: built.signature,
      });
    await publish();
    await italy.replyTo(built.id);
    await publish();
    await publish();
    await eventually(
      async () => (italy.repliesTo(built.id).length >= 3 ? true : undefined),
      20_000,
      'an answer to each of the three deliveries',
    );
    // A later message of IT answered: MK had the time to send a fourth answer, had it been going to.
    expect((await italy.settle('MK')).envelope.type).toBe('DELIVERY_RECEIPT');
    const replies = italy.repliesTo(built.id);
    expect(replies).toHaveLength(3);
    expect(new Set(replies.map((r) => r.envelope.id)).size).toBe(1);
    expect(replies[0].envelope.type).toBe('DELIVERY_RECEIPT');
    expect(await storedMessages(built.id)).toBe(1);
    const duplicates = await federation.query<{ n: number }>(
      'MK',
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'DUPLICATE_RECEIVED' AND message_id = $1`,
      [built.id],
    );
    expect(duplicates[0].n).toBe(2);
  });

  it('lets RabbitMQ itself refuse a message published under another sender’s user_id', async () => {
    // A refused publish closes the channel, so the forger gets a connection of its own.
    const forger = await ForeignPeer.connect(federation, 'IT');
    const built = forger.build(referral('TRM-IT-2026-000102'));
    await expect(
      forger.publish(built.body, {
        id: built.id,
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        signature: built.signature,
        userId: 'FR',
      }),
    ).rejects.toThrow(/PRECONDITION_FAILED|user_id/i);
    await forger.close();
    expect(await storedMessages(built.id)).toBe(0);
  });

  it('lets RabbitMQ refuse a routing key that names another sender', async () => {
    const peer = await ForeignPeer.connect(federation, 'IT');
    const built = peer.build(referral('TRM-IT-2026-000103'));
    await expect(
      peer.publish(built.body, {
        id: built.id,
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        signature: built.signature,
        routingKey: 'routine.MK.FR.REFERRAL_REQUEST',
      }),
    ).rejects.toThrow(/ACCESS_REFUSED|access/i);
    await peer.close();
  });

  it('rejects an envelope that claims another sender (SENDER_MISMATCH)', async () => {
    // IT replays a body that FR really signed: the signature is FR's, the broker-vouched publisher is IT.
    const built = france.build(referral('TRM-FR-2026-000104'));
    await italy.publish(built.body, {
      id: built.id,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: built.signature,
      keyId: 'FR-sig-1',
    });
    // The publisher the broker vouches for is told, not the country whose body was replayed.
    const reply = await italy.replyTo(built.id);
    expect(reply.payload.reasonCode).toBe('SENDER_MISMATCH');
    expect((await france.settle('MK')).envelope.type).toBe('DELIVERY_RECEIPT');
    expect(france.repliesTo(built.id)).toHaveLength(0);
    expect((await deadLetterFor(built.id))['x-trm-reject-code']).toBe('SENDER_MISMATCH');
    expect(await storedMessages(built.id)).toBe(0);
  });

  it('rejects a body changed by one byte after signing (SIGNATURE_INVALID)', async () => {
    const built = italy.build(referral('TRM-IT-2026-000105'));
    const tampered = Buffer.from(built.body);
    const at = tampered.indexOf('"sentAt":"') + 12;
    tampered[at] = tampered[at] === 0x31 ? 0x32 : 0x31;
    await italy.publish(tampered, {
      id: built.id,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: built.signature,
    });
    const reply = await italy.replyTo(built.id);
    expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
    expect(reply.payload.reasonCode).toBe('SIGNATURE_INVALID');
    const dead = await deadLetterFor(built.id);
    expect(dead['x-trm-reject-code']).toBe('SIGNATURE_INVALID');
    expect(dead['x-trm-original-user-id']).toBe('IT');
    expect(dead['x-trm-signature-verified']).toBe(false);
    expect(dead['x-trm-sender-answered']).toBe(true);
    expect(await auditedRejection(built.id)).toBe('SIGNATURE_INVALID');
    expect(await storedMessages(built.id)).toBe(0);
  });

  it('rejects a message signed with a key that is not the sender’s directory key', async () => {
    const built = italy.build(referral('TRM-IT-2026-000106'));
    const signedByFrance = france.build(referral('TRM-IT-2026-000106')).signature;
    await italy.publish(built.body, {
      id: built.id,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: signedByFrance,
    });
    const reply = await italy.replyTo(built.id);
    expect(reply.payload.reasonCode).toBe('SIGNATURE_INVALID');
    expect(await storedMessages(built.id)).toBe(0);

    const claimsOtherKey = italy.build(referral('TRM-IT-2026-000107'));
    await italy.publish(claimsOtherKey.body, {
      id: claimsOtherKey.id,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: claimsOtherKey.signature,
      keyId: 'IT-sig-9',
    });
    expect((await italy.replyTo(claimsOtherKey.id)).payload.reasonCode).toBe('SIGNATURE_INVALID');
  });

  it('rejects a payload sealed for another recipient (DECRYPTION_FAILED)', async () => {
    const directory = (await api(mk, 'GET', '/directory')).body as {
      participants: Array<{ code: string; encryptionKey: { keyId: string; publicKey: string } }>;
    };
    const frKey = directory.participants.find((p) => p.code === 'FR')!.encryptionKey;
    const id = await italy.send({
      ...referral('TRM-IT-2026-000108'),
      sealFor: { keyId: 'MK-enc-1', publicKey: frKey.publicKey },
    });
    const reply = await italy.replyTo(id);
    expect(reply.payload.reasonCode).toBe('DECRYPTION_FAILED');
    expect((await deadLetterFor(id))['x-trm-reject-code']).toBe('DECRYPTION_FAILED');
    expect(await storedMessages(id)).toBe(0);
  });

  it('rejects a caseRef edited after sealing (the AAD no longer matches)', async () => {
    const id = await italy.send({
      ...referral('TRM-IT-2026-000109'),
      override: { caseRef: 'TRM-IT-2026-000110' },
    });
    expect((await italy.replyTo(id)).payload.reasonCode).toBe('DECRYPTION_FAILED');
  });

  it('rejects a message addressed to another participant', async () => {
    const built = italy.build({ ...referral('TRM-IT-2026-000111'), to: 'FR' });
    await italy.publish(built.body, {
      id: built.id,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: built.signature,
    });
    expect((await italy.replyTo(built.id)).payload.reasonCode).toBe('NOT_ADDRESSED_TO_ME');
  });

  it('rejects an unsupported version and an unknown type with their own codes', async () => {
    const v2 = await italy.send({ ...referral('TRM-IT-2026-000112'), override: { version: 2 } });
    expect((await italy.replyTo(v2)).payload.reasonCode).toBe('UNSUPPORTED_VERSION');
    const unknown = await italy.send({
      ...referral('TRM-IT-2026-000113'),
      override: { type: 'TEA_INVITATION' },
    });
    expect((await italy.replyTo(unknown)).payload.reasonCode).toBe('UNKNOWN_TYPE');
  });

  it('rejects a stale message', async () => {
    const id = await italy.send({ ...referral('TRM-IT-2026-000114'), sentAt: '2020-01-01T00:00:00.000Z' });
    expect((await italy.replyTo(id)).payload.reasonCode).toBe('STALE');
  });

  it('answers a signed body that is not UTF-8 JSON with SCHEMA_INVALID, inReplyTo = its AMQP message_id', async () => {
    const body = Buffer.from('{"version":1,"id":');
    await italy.publish(body, {
      id: 'not-json-1',
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: italy.sign(body),
    });
    const reply = await italy.replyTo('not-json-1');
    expect(reply.envelope.caseRef).toBe('');
    expect(reply.payload.reasonCode).toBe('SCHEMA_INVALID');
    expect((await deadLetterFor('not-json-1'))['x-trm-reject-code']).toBe('SCHEMA_INVALID');

    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);
    await italy.publish(invalidUtf8, {
      id: 'not-utf8-1',
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: italy.sign(invalidUtf8),
    });
    expect((await italy.replyTo('not-utf8-1')).payload.reasonCode).toBe('SCHEMA_INVALID');
  });

  async function caseRow(
    caseRef: string,
  ): Promise<{ owner_country: string; countries: string[] } | undefined> {
    const rows = await federation.query<{ owner_country: string; countries: string[] }>(
      'MK',
      `SELECT owner_country, countries FROM cases WHERE case_ref = $1`,
      [caseRef],
    );
    return rows[0];
  }

  /** The reference MK's next own case would get (the counter is only advanced by MK's own cases). */
  async function nextOwnCaseRef(): Promise<string> {
    const year = new Date().getUTCFullYear();
    const [row] = await federation.query<{ last_value: number }>(
      'MK',
      `SELECT last_value::int AS last_value FROM case_ref_counters WHERE year = $1`,
      [year],
    );
    return `TRM-MK-${year}-${String((row?.last_value ?? 0) + 1).padStart(6, '0')}`;
  }

  it('refuses to open a case under the receiver’s own prefix, and MK’s next case is its own (CASE_STATE_CONFLICT)', async () => {
    const squatted = await nextOwnCaseRef();
    const id = await france.send(referral(squatted));
    const reply = await france.replyTo(id);
    expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
    expect(reply.payload.reasonCode).toBe('CASE_STATE_CONFLICT');
    expect((await deadLetterFor(id))['x-trm-reject-code']).toBe('CASE_STATE_CONFLICT');
    expect(await auditedRejection(id)).toBe('CASE_STATE_CONFLICT');
    expect(await caseRow(squatted)).toBeUndefined();

    const own = await openCase(mk);
    expect(own).toBe(squatted);
    expect(await caseRow(own)).toEqual({ owner_country: 'MK', countries: [] });
    expect(await storedMessages(id)).toBe(0);
  });

  it('refuses a referral that opens a case under a third country’s reference; that country still opens it later', async () => {
    const italian = 'TRM-IT-2026-000120';
    const id = await france.send(referral(italian));
    expect((await france.replyTo(id)).payload.reasonCode).toBe('CASE_STATE_CONFLICT');
    expect(await caseRow(italian)).toBeUndefined();

    const genuine = await italy.send(referral(italian));
    expect((await italy.replyTo(genuine)).envelope.type).toBe('DELIVERY_RECEIPT');
    expect(await caseRow(italian)).toEqual({ owner_country: 'IT', countries: ['IT'] });
  });

  it('never puts its own new case into an existing row under its prefix: the taken reference is skipped', async () => {
    // A row made outside the counter (as a peer could before such rows were refused) holds the next reference.
    const taken = await nextOwnCaseRef();
    const dataSource = mk.app!.get(DataSource);
    await dataSource.transaction((manager) => mk.app!.get(CasesRepository).create(manager, taken, 'FR'));

    const own = await openCase(mk);
    expect(own).not.toBe(taken);
    expect(await caseRow(own)).toEqual({ owner_country: 'MK', countries: [] });
    expect(await caseRow(taken)).toEqual({ owner_country: 'FR', countries: [] });
  });

  it('rejects an id already used by another sender (POLICY_DENIED) once, answers its redeliveries from the stored row, and leaves the first sender alone', async () => {
    const built = italy.build(referral('TRM-IT-2026-000121'));
    await italy.publish(built.body, {
      id: built.id,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: built.signature,
    });
    expect((await italy.replyTo(built.id)).envelope.type).toBe('DELIVERY_RECEIPT');

    const copy = france.build({ ...referral('TRM-FR-2026-000121'), id: built.id });
    const publishCopy = () =>
      france.publish(copy.body, {
        id: built.id,
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        signature: copy.signature,
      });
    await publishCopy();
    const reply = await france.replyTo(built.id);
    expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
    expect(reply.payload.reasonCode).toBe('POLICY_DENIED');
    expect((await deadLetterFor(built.id))['x-trm-reject-code']).toBe('POLICY_DENIED');
    expect(await auditedRejection(built.id)).toBe('POLICY_DENIED');

    // Redelivered as it was, and once more with a later check failing first (here decryption): both are
    // FR's duplicates of its refused id, answered with the very same rejection, not refused anew.
    await publishCopy();
    await france.send({
      ...referral('TRM-FR-2026-000122'),
      id: built.id,
      sealFor: { keyId: 'MK-enc-1', publicKey: Buffer.alloc(32, 9).toString('base64') },
    });
    await eventually(
      async () => {
        const duplicates = await federation.query<{ n: number }>(
          'MK',
          `SELECT count(*)::int AS n FROM audit_log
         WHERE action = 'DUPLICATE_RECEIVED' AND message_id = $1 AND counterpart = 'FR'`,
          [built.id],
        );
        return duplicates[0].n === 2 ? true : undefined;
      },
      15_000,
      'both redeliveries audited as duplicates',
    );
    await eventually(
      async () => (france.received((r) => r.envelope.inReplyTo === built.id).length >= 3 ? true : undefined),
      15_000,
      'the answers to both redeliveries',
    );
    expect((await france.settle('MK')).envelope.type).toBe('DELIVERY_RECEIPT');
    expect((await italy.settle('MK')).envelope.type).toBe('DELIVERY_RECEIPT');
    const answers = france.repliesTo(built.id);
    expect(answers).toHaveLength(3);
    expect(new Set(answers.map((r) => r.envelope.id))).toEqual(new Set([reply.envelope.id]));
    const rejections = await federation.query<{ n: number }>(
      'MK',
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'MESSAGE_REJECTED' AND message_id = $1`,
      [built.id],
    );
    expect(rejections[0].n).toBe(1);

    expect(italy.repliesTo(built.id)).toHaveLength(1);
    expect(await storedMessages(built.id)).toBe(1);
    expect(await caseRow('TRM-FR-2026-000121')).toBeUndefined();
    expect((await caseRow('TRM-IT-2026-000121'))?.owner_country).toBe('IT');
    const inbox = await federation.query<{ sender: string; outcome: string; reason_code: string | null }>(
      'MK',
      `SELECT sender, outcome, reason_code FROM inbox WHERE message_id = $1 ORDER BY received_at`,
      [built.id],
    );
    expect(inbox).toEqual([
      { sender: 'IT', outcome: 'ACCEPTED', reason_code: null },
      { sender: 'FR', outcome: 'REJECTED', reason_code: 'POLICY_DENIED' },
    ]);
  });

  it('keeps serving: a valid message right after all of the above goes through', async () => {
    const id = await italy.send(referral('TRM-IT-2026-000116'));
    expect((await italy.replyTo(id)).envelope.type).toBe('DELIVERY_RECEIPT');
  });
});
