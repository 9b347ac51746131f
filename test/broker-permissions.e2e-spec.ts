/**
 * Proves against a real RabbitMQ that the permissions granted by BrokerAdmin.setupParticipant let a node do
 * its job (PROTOCOL.md, "Broker topology") and nothing that would let it act as, or read, another country.
 *
 * Each run works in its own throwaway vhost. Users, however, are broker-wide, so the test users cannot be
 * called `FR` and `MK` without colliding with parallel runs or a real setup on the same broker: they get a
 * random suffix (`FR-1a2b3c4d`) while the permission patterns are still generated from the codes `FR` and
 * `MK`. The only visible difference is that `user_id` carries the suffixed name.
 */
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import {
  BrokerAdmin,
  BrokerAdminError,
  managementUrlFromAmqp,
  participantPermissions,
} from '../src/transport/broker-admin';
import { assertParticipantTopology } from '../src/transport/topology';
import { eventually } from '../scripts/lib/local-federation';

const AMQP_HOST = process.env.TRM_TEST_AMQP_HOST ?? '127.0.0.1:5672';
const MANAGEMENT_URL = managementUrlFromAmqp(
  `amqp://guest:guest@${AMQP_HOST}`,
  process.env.RABBITMQ_MANAGEMENT_URL,
);

const EXCHANGE = 'trm.transnational';
const DEAD_EXCHANGE = 'trm.dead';
const ACCESS_REFUSED = 403;
const PRECONDITION_FAILED = 406;

type Code = 'FR' | 'MK';

const suffix = randomBytes(4).toString('hex');
const vhost = `trm-test-${suffix}`;
const users: Record<Code, string> = { FR: `FR-${suffix}`, MK: `MK-${suffix}` };
const passwords: Record<Code, string> = {
  FR: randomBytes(18).toString('base64url'),
  MK: randomBytes(18).toString('base64url'),
};

const admin = new BrokerAdmin({ url: MANAGEMENT_URL });
const connections: Partial<Record<Code, amqp.ChannelModel>> = {};

interface AmqpError extends Error {
  code?: number;
}

function amqpUrl(code: Code): string {
  const user = encodeURIComponent(users[code]);
  return `amqp://${user}:${encodeURIComponent(passwords[code])}@${AMQP_HOST}/${encodeURIComponent(vhost)}`;
}

function conn(code: Code): amqp.ChannelModel {
  const c = connections[code];
  if (!c) throw new Error(`${code} is not connected`);
  return c;
}

/** The exact arguments PROTOCOL.md fixes: any other value makes a peer's redeclaration fail. */
function laneQueueArguments(queue: string): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': 5,
    'x-dead-letter-exchange': DEAD_EXCHANGE,
    'x-dead-letter-routing-key': queue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/** A channel whose server-side closure is recorded instead of becoming an unhandled 'error' event. */
async function guardedChannel(code: Code): Promise<{ ch: amqp.ConfirmChannel; closed: Promise<AmqpError> }> {
  const ch = await conn(code).createConfirmChannel();
  const closed = new Promise<AmqpError>((resolve) => ch.on('error', (err: AmqpError) => resolve(err)));
  return { ch, closed };
}

function publishConfirmed(
  ch: amqp.ConfirmChannel,
  exchange: string,
  routingKey: string,
  body: string,
  options: amqp.Options.Publish,
): Promise<void> {
  return new Promise((resolve, reject) => {
    ch.publish(exchange, routingKey, Buffer.from(body), { persistent: true, ...options }, (err) =>
      err ? reject(err as Error) : resolve(),
    );
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `op` on a fresh channel of `code` and returns the error the broker closed the channel with.
 * Fails if the broker accepted the operation: publishes are checked through the confirm, which never comes
 * for a refused message because the broker closes the channel first.
 */
async function refusal(code: Code, op: (ch: amqp.ConfirmChannel) => Promise<unknown>): Promise<AmqpError> {
  const { ch, closed } = await guardedChannel(code);
  let accepted = false;
  try {
    await op(ch);
    accepted = true;
  } catch {
    // Expected: the pending RPC or confirm is failed when the broker closes the channel.
  }
  if (accepted) {
    await ch.close().catch(() => undefined);
    throw new Error('The broker accepted an operation it should have refused');
  }
  return withTimeout(closed, 5000, 'channel closure');
}

async function getOne(ch: amqp.Channel, queue: string, timeoutMs = 5000): Promise<amqp.GetMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const msg = await ch.get(queue, { noAck: false });
    if (msg) return msg;
    if (Date.now() > deadline) throw new Error(`No message arrived in ${queue} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function managementGet(path: string): Promise<Record<string, unknown>> {
  const url = new URL(MANAGEMENT_URL);
  const auth = Buffer.from(
    `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`,
  ).toString('base64');
  const res = await fetch(`${url.origin}${path}`, { headers: { authorization: `Basic ${auth}` } });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

describe('managementUrlFromAmqp', () => {
  it('derives the management URL from the AMQP URL, keeping the credentials', () => {
    expect(managementUrlFromAmqp('amqp://fr:s%40cret@rabbit.example:5672/trm')).toBe(
      'http://fr:s%40cret@rabbit.example:15672',
    );
    expect(managementUrlFromAmqp('amqps://fr:pw@rabbit.example/trm')).toBe(
      'https://fr:pw@rabbit.example:15671',
    );
    expect(managementUrlFromAmqp('amqp://127.0.0.1')).toBe('http://guest:guest@127.0.0.1:15672');
  });

  it('prefers the override', () => {
    expect(managementUrlFromAmqp('amqp://a:b@h/v', 'https://admin:x@mgmt:443')).toBe(
      'https://admin:x@mgmt:443',
    );
    expect(managementUrlFromAmqp('amqp://a:b@h/v', '')).toBe('http://a:b@h:15672');
  });

  it('never echoes a malformed URL, which may hold a password', () => {
    expect(() => managementUrlFromAmqp('amqp://user:hunter2@bad host')).toThrow(/Invalid AMQP URL/);
    expect(() => managementUrlFromAmqp('amqp://user:hunter2@bad host')).not.toThrow(/hunter2/);
  });
});

describe('participantPermissions', () => {
  it('refuses anything but a two-letter code, which is spliced into the patterns', () => {
    expect(() => participantPermissions('F.')).toThrow(/Invalid participant code/);
    expect(() => participantPermissions('fr')).toThrow(/Invalid participant code/);
    expect(participantPermissions('XK').permissions.read).toBe(
      '^(trm\\.transnational|trm\\.dead|trm\\.(inbox|urgent|dead)\\.XK|trm\\.national\\.XK(\\.[a-z0-9.-]+)?)$',
    );
  });
});

describe('broker permissions (real RabbitMQ)', () => {
  beforeAll(async () => {
    await admin.createVhost(vhost);
    for (const code of ['FR', 'MK'] as const) {
      await admin.setupParticipant(vhost, code, passwords[code], users[code]);
      const c = await amqp.connect(amqpUrl(code));
      // A connection-level failure must fail the test that caused it, not crash jest.
      c.on('error', () => undefined);
      connections[code] = c;
    }
  });

  afterAll(async () => {
    for (const c of Object.values(connections)) await c?.close().catch(() => undefined);
    await admin.deleteVhost(vhost);
    for (const user of Object.values(users)) await admin.deleteUser(user);
  });

  describe('BrokerAdmin', () => {
    it('talks to the management API as the administrator', async () => {
      const me = await admin.whoAmI();
      expect(me.tags).toContain('administrator');
    });

    it('reports HTTP status and path without the password', async () => {
      const url = new URL(MANAGEMENT_URL);
      url.password = 'not-the-password-x7';
      const wrong = new BrokerAdmin({ url: url.toString() });
      const err = await wrong.whoAmI().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BrokerAdminError);
      expect((err as BrokerAdminError).status).toBe(401);
      expect((err as Error).message).toMatch(/GET \/api\/whoami .*401/);
      expect((err as Error).message).not.toContain('not-the-password-x7');
    });

    it('treats deleting what does not exist as done', async () => {
      await expect(admin.deleteVhost(`trm-test-absent-${suffix}`)).resolves.toBeUndefined();
      await expect(admin.deleteUser(`absent-${suffix}`)).resolves.toBeUndefined();
    });

    it('gives nodes no management access', async () => {
      const fr = new URL(MANAGEMENT_URL);
      fr.username = users.FR;
      fr.password = passwords.FR;
      const err = await new BrokerAdmin({ url: fr.toString() }).whoAmI().catch((e: unknown) => e);
      expect((err as BrokerAdminError).status).toBe(401);
    });
  });

  it('(a) lets each node declare its queues exactly as PROTOCOL.md lists them, on exchanges the administrator made', async () => {
    await admin.createExchange(vhost, EXCHANGE, 'topic', true);
    await admin.createExchange(vhost, DEAD_EXCHANGE, 'topic', true);
    for (const code of ['FR', 'MK'] as const) {
      const { ch } = await guardedChannel(code);
      await assertParticipantTopology(ch, code);
      // Declaring again with the same arguments is what every node does on each (re)connect.
      await assertParticipantTopology(ch, code);
      await ch.close();
    }
    const inbox = await managementGet(`/api/queues/${encodeURIComponent(vhost)}/trm.inbox.FR`);
    expect(inbox.durable).toBe(true);
    expect(inbox.arguments).toEqual(laneQueueArguments('trm.inbox.FR'));
    const dead = await managementGet(`/api/queues/${encodeURIComponent(vhost)}/trm.dead.FR`);
    expect(dead.arguments).toEqual({ 'x-queue-type': 'quorum' });
    const exchange = await managementGet(`/api/exchanges/${encodeURIComponent(vhost)}/${EXCHANGE}`);
    expect(exchange).toMatchObject({ type: 'topic', durable: true });
  });

  it('lets the administrator pre-declare the shared exchanges, and refuses another type', async () => {
    await expect(admin.createExchange(vhost, EXCHANGE)).resolves.toBeUndefined();
    await expect(admin.createExchange(vhost, DEAD_EXCHANGE, 'topic', true)).resolves.toBeUndefined();
    const err = await admin.createExchange(vhost, EXCHANGE, 'fanout').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerAdminError);
    expect((err as Error).message).toMatch(
      /PUT \/api\/exchanges\/trm-test-[0-9a-f]+\/trm\.transnational failed/,
    );
  });

  it('(a) refuses a node deleting or redeclaring the shared exchanges', async () => {
    expect((await refusal('FR', (ch) => ch.deleteExchange(EXCHANGE))).code).toBe(ACCESS_REFUSED);
    expect(
      (await refusal('FR', (ch) => ch.assertExchange(DEAD_EXCHANGE, 'topic', { durable: true }))).code,
    ).toBe(ACCESS_REFUSED);
  });

  it('(a) refuses a redeclaration with other arguments, so every participant must use these', async () => {
    const err = await refusal('FR', (ch) =>
      ch.assertQueue('trm.inbox.FR', {
        durable: true,
        arguments: { ...laneQueueArguments('trm.inbox.FR'), 'x-delivery-limit': 10 },
      }),
    );
    expect(err.code).toBe(PRECONDITION_FAILED);
  });

  it('(b) delivers what FR sends as itself to MK, with user_id set by FR and vouched for by the broker', async () => {
    const { ch } = await guardedChannel('FR');
    await publishConfirmed(ch, EXCHANGE, 'routine.MK.FR.CASE_UPDATE', '{"b":1}', {
      userId: users.FR,
      messageId: `b-${suffix}`,
      contentType: 'application/json',
    });
    await publishConfirmed(ch, EXCHANGE, 'urgent.MK.FR.EMERGENCY_ALERT', '{"b":2}', { userId: users.FR });
    await ch.close();

    const mk = await conn('MK').createChannel();
    const routine = await getOne(mk, 'trm.inbox.MK');
    expect(routine.properties.userId).toBe(users.FR);
    expect(routine.properties.messageId).toBe(`b-${suffix}`);
    expect(routine.fields.routingKey).toBe('routine.MK.FR.CASE_UPDATE');
    const urgent = await getOne(mk, 'trm.urgent.MK');
    expect(urgent.content.toString()).toBe('{"b":2}');
    mk.ack(routine);
    mk.ack(urgent);
    await mk.close();
  });

  it('(c) refuses FR publishing as another country (topic write permission)', async () => {
    const err = await refusal('FR', (ch) =>
      publishConfirmed(ch, EXCHANGE, 'routine.MK.IT.CASE_UPDATE', '{}', { userId: users.FR }),
    );
    expect(err.code).toBe(ACCESS_REFUSED);
    expect(err.message).toMatch(/ACCESS_REFUSED/);
    // Nor with a key that does not even follow the protocol.
    for (const key of ['MK', 'routine.MK', 'routine.MK.FR', 'other.MK.FR.CASE_UPDATE']) {
      expect((await refusal('FR', (ch) => publishConfirmed(ch, EXCHANGE, key, '{}', {}))).code).toBe(
        ACCESS_REFUSED,
      );
    }
  });

  it('(c) refuses FR going around the topic exchange', async () => {
    // Straight into MK's queue through the default exchange.
    const viaDefault = await refusal('FR', (ch) => publishConfirmed(ch, '', 'trm.inbox.MK', '{}', {}));
    expect(viaDefault.code).toBe(ACCESS_REFUSED);
    // Into MK's dead-letter queue.
    const viaDead = await refusal('FR', (ch) =>
      publishConfirmed(ch, DEAD_EXCHANGE, 'trm.inbox.MK', '{}', {}),
    );
    expect(viaDead.code).toBe(ACCESS_REFUSED);
    // Through a built-in exchange.
    const viaAmqTopic = await refusal('FR', (ch) =>
      publishConfirmed(ch, 'amq.topic', 'routine.MK.FR.X', '{}', {}),
    );
    expect(viaAmqTopic.code).toBe(ACCESS_REFUSED);
  });

  it('(d) refuses FR publishing with the user_id of another user', async () => {
    const err = await refusal('FR', (ch) =>
      publishConfirmed(ch, EXCHANGE, 'routine.MK.FR.CASE_UPDATE', '{}', { userId: users.MK }),
    );
    expect(err.code).toBe(PRECONDITION_FAILED);
    expect(err.message).toMatch(/user_id/);
  });

  it('(d) accepts a message without user_id: the receiver must reject it as SENDER_MISMATCH', async () => {
    const { ch } = await guardedChannel('FR');
    await publishConfirmed(ch, EXCHANGE, 'routine.MK.FR.CASE_UPDATE', '{"d":1}', {});
    await ch.close();
    const mk = await conn('MK').createChannel();
    const msg = await getOne(mk, 'trm.inbox.MK');
    expect(msg.properties.userId).toBeUndefined();
    mk.ack(msg);
    await mk.close();
  });

  it("(e) refuses FR reading MK's queues", async () => {
    for (const queue of ['trm.inbox.MK', 'trm.urgent.MK', 'trm.dead.MK']) {
      const consume = await refusal('FR', (ch) => ch.consume(queue, () => undefined));
      expect(consume.code).toBe(ACCESS_REFUSED);
      const get = await refusal('FR', (ch) => ch.get(queue));
      expect(get.code).toBe(ACCESS_REFUSED);
      const purge = await refusal('FR', (ch) => ch.purgeQueue(queue));
      expect(purge.code).toBe(ACCESS_REFUSED);
    }
    // Nor creating (or deleting) queues in MK's name.
    const declare = await refusal('FR', (ch) => ch.assertQueue('trm.inbox.MK', { durable: true }));
    expect(declare.code).toBe(ACCESS_REFUSED);
    const del = await refusal('FR', (ch) => ch.deleteQueue('trm.inbox.MK'));
    expect(del.code).toBe(ACCESS_REFUSED);
  });

  it("(e) refuses FR binding its own queues to another country's traffic (topic read permission)", async () => {
    for (const key of ['routine.MK.#', '#', 'routine.#', '*.MK.#', 'routine.*.#', 'urgent.MK.FR.#']) {
      const err = await refusal('FR', (ch) => ch.bindQueue('trm.inbox.FR', EXCHANGE, key));
      expect({ key, code: err.code }).toEqual({ key, code: ACCESS_REFUSED });
    }
    for (const key of ['trm.inbox.MK', 'trm.*.MK', '#', 'trm.#']) {
      const err = await refusal('FR', (ch) => ch.bindQueue('trm.dead.FR', DEAD_EXCHANGE, key));
      expect({ key, code: err.code }).toEqual({ key, code: ACCESS_REFUSED });
    }
    // An exchange-to-exchange binding is checked the same way on its source.
    const e2e = await refusal('FR', (ch) => ch.bindExchange(DEAD_EXCHANGE, EXCHANGE, 'routine.MK.#'));
    expect(e2e.code).toBe(ACCESS_REFUSED);
    // While binding to its own traffic stays allowed.
    const { ch } = await guardedChannel('FR');
    await ch.bindQueue('trm.inbox.FR', EXCHANGE, 'routine.FR.#');
    await ch.close();
  });

  it('(f) dead-letters a message FR rejects into trm.dead.FR, natively and by republishing', async () => {
    const mk = await guardedChannel('MK');
    await publishConfirmed(mk.ch, EXCHANGE, 'routine.FR.MK.CASE_UPDATE', '{"f":1}', {
      userId: users.MK,
      messageId: `f-${suffix}`,
    });
    await mk.ch.close();

    const { ch } = await guardedChannel('FR');
    const msg = await getOne(ch, 'trm.inbox.FR');
    expect(msg.properties.userId).toBe(users.MK);
    ch.nack(msg, false, false);

    const dead = await getOne(ch, 'trm.dead.FR');
    expect(dead.properties.messageId).toBe(`f-${suffix}`);
    expect(dead.fields.routingKey).toBe('trm.inbox.FR');
    const death = dead.properties.headers?.['x-death']?.[0];
    expect(death).toMatchObject({ queue: 'trm.inbox.FR', reason: 'rejected', exchange: EXCHANGE });
    ch.ack(dead);

    // The node's own path: it republishes a rejected message to trm.dead with its reason.
    await publishConfirmed(ch, DEAD_EXCHANGE, 'trm.urgent.FR', '{"f":2}', {
      userId: users.FR,
      headers: { 'x-trm-reject-reason': 'SIGNATURE_INVALID' },
    });
    const republished = await getOne(ch, 'trm.dead.FR');
    expect(republished.properties.headers?.['x-trm-reject-reason']).toBe('SIGNATURE_INVALID');
    ch.ack(republished);
    await ch.close();
  });

  it('(f) dead-letters a message that keeps failing after the delivery limit', async () => {
    const mk = await guardedChannel('MK');
    await publishConfirmed(mk.ch, EXCHANGE, 'urgent.FR.MK.EMERGENCY_ALERT', '{"f":3}', { userId: users.MK });
    await mk.ch.close();

    const { ch } = await guardedChannel('FR');
    let deliveries = 0;
    let dead: amqp.GetMessage | undefined;
    while (!dead) {
      // After each requeue the message is either back in its queue or, past the limit, dead-lettered: wait
      // for one of the two, so a requeue that has not landed yet is never taken for the message leaving.
      const next = await eventually(
        async () => {
          const again = await ch.get('trm.urgent.FR', { noAck: false });
          if (again) return { again };
          const gone = await ch.get('trm.dead.FR', { noAck: false });
          return gone ? { gone } : undefined;
        },
        10_000,
        'the message requeued or dead-lettered',
      );
      if ('gone' in next) dead = next.gone;
      else {
        deliveries += 1;
        ch.nack(next.again, false, true);
        if (deliveries > 20) throw new Error('The delivery limit was not applied');
      }
    }
    expect(dead.content.toString()).toBe('{"f":3}');
    expect(dead.fields.routingKey).toBe('trm.urgent.FR');
    const death = dead.properties.headers?.['x-death']?.[0];
    expect(death).toMatchObject({ queue: 'trm.urgent.FR', reason: 'delivery_limit' });
    expect(deliveries).toBe(6);
    ch.ack(dead);
    await ch.close();
  });
});
