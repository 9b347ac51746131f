import { randomBytes } from 'node:crypto';
import { managementProvisioner } from '../scripts/lib/broker-provisioner';
import { runMark } from '../scripts/lib/leftovers';
import { eventually, LocalFederation, type RunningNode } from '../scripts/lib/local-federation';
import { PostgresCluster } from '../scripts/lib/postgres-cluster';
import { freePort, RabbitmqNode } from '../scripts/lib/rabbitmq-node';
import { examplePayload } from '../src/messages/examples';
import { deadLetterQueue } from '../src/transport/topology';
import { auditVerify } from './support/audit-tools';
import { openSharableCase, sendMessage } from './support/node-api';
import { pause } from './support/stream-through-outage';

/**
 * Issue 13: faults under load. FR streams CASE_UPDATEs on many cases to MK, several in flight, while MK is
 * killed with SIGKILL mid-batch and restarted, the broker is restarted, and MK's PostgreSQL server crashes
 * (stop -m immediate) and comes back. Afterwards: 0 lost, 0 applied twice, 0 valid messages rejected, each
 * case's messages applied by MK in the order FR sent them, and MK's audit chain intact.
 *
 * Nothing shared is touched: the broker is a RabbitMQ node of this suite (scripts/lib/rabbitmq-node.ts) and
 * MK's database is on a PostgreSQL cluster of this suite (scripts/lib/postgres-cluster.ts), both removed in
 * afterAll; a killed run's cluster is stopped by the next run's sweep (scripts/lib/leftovers.ts). FR runs in
 * this process, with its database on the shared cluster; MK is its own OS process, so it can be killed.
 */
describe('faults under load: MK killed, broker and MK’s PostgreSQL restarted mid-stream', () => {
  const runId = randomBytes(4).toString('hex');
  let broker: RabbitmqNode | undefined;
  let cluster: PostgresCluster | undefined;
  let federation: LocalFederation | undefined;
  let fr: RunningNode;
  let mkPort: number;
  /** The figures the run prints: how much was in flight at each fault, how long each step took. */
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    const started = await Promise.allSettled([
      RabbitmqNode.start({ name: `trm-${runId}-fault`, plugins: ['rabbitmq_management'] }).then(
        (node) => (broker = node),
      ),
      PostgresCluster.start(runMark(runId)).then((pg) => (cluster = pg)),
    ]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const side = { amqpHost: broker!.amqpHost, managementUrl: broker!.managementUrl };
    federation = new LocalFederation({
      runId,
      codes: ['FR', 'MK'],
      logLevel: 'error',
      brokers: { FR: side, MK: side },
      broker: managementProvisioner(broker!.managementUrl),
      pgAdminUrls: { MK: cluster!.adminUrl },
    });
    await federation.setUp();
    fr = await federation.start('FR');
    mkPort = await freePort();
    await federation.spawn('MK', mkPort, {}, 90_000);
  }, 240_000);

  afterAll(async () => {
    await federation?.tearDown();
    await Promise.all([broker?.stop(), cluster?.destroy()]);
    process.stdout.write(`fault under load: ${JSON.stringify(figures)}\n`);
  }, 120_000);

  /**
   * Messages FR's broker took (SENT or later) that MK has not committed yet: in MK's queue or held unacked
   * by MK's consumer. A fault while this is above zero hits messages in flight.
   */
  async function inFlight(ids: readonly string[]): Promise<number> {
    const [published] = await federation!.query<{ n: number }>(
      'FR',
      `SELECT count(*)::int AS n FROM outbox WHERE message_id = ANY($1::uuid[]) AND published_at IS NOT NULL`,
      [ids],
    );
    const [committed] = await federation!.query<{ n: number }>(
      'MK',
      `SELECT count(*)::int AS n FROM inbox WHERE message_id = ANY($1::text[])`,
      [ids],
    );
    return published.n - committed.n;
  }

  /**
   * Waits until at least `count` messages are in flight to MK; returns how many were. The stream bursts
   * meanwhile: a steady stream that MK keeps up with may seldom have several in flight at once.
   */
  async function whileInFlight(stream: Stream, count: number, what: string): Promise<number> {
    stream.burst(true);
    try {
      return await eventually(
        async () => {
          const n = await inFlight(stream.sent);
          return n >= count ? n : undefined;
        },
        60_000,
        `messages in flight before ${what}`,
      );
    } finally {
      stream.burst(false);
    }
  }

  it('loses none, applies none twice, rejects none, keeps each case’s order, and MK’s chain verifies', async () => {
    const stream = await startStream(fr, 'MK', { cases: 40, senders: 4, everyMs: 1_000 });
    const since = Date.now();
    try {
      // 1. SIGKILL while MK applies a batch: what it held unacked goes back to the queue.
      await eventually(async () => (stream.sent.length >= 40 ? true : undefined), 60_000, 'a first batch');
      figures.inFlightAtKill = await whileInFlight(stream, 5, 'the kill');
      const [{ n: acceptedBeforeKill }] = await federation!.query<{ n: number }>(
        'MK',
        `SELECT count(*)::int AS n FROM inbox`,
      );
      figures.acceptedBeforeKill = acceptedBeforeKill;
      await federation!.kill('MK');
      await pause(2_000);
      let step = Date.now();
      await federation!.spawn('MK', mkPort, {}, 90_000);
      figures.mkRestartMs = Date.now() - step;

      // 2. The broker's application stopped and started: every connection drops, unconfirmed publishes and
      // unacked deliveries are redone; the quorum queues keep what they had.
      figures.inFlightAtBrokerRestart = await whileInFlight(stream, 3, 'the broker restart');
      step = Date.now();
      await broker!.ctl(['stop_app']);
      await pause(3_000);
      await broker!.ctl(['start_app']);
      await broker!.ctl(['await_startup'], 120_000);
      figures.brokerRestartMs = Date.now() - step;

      // 3. MK's PostgreSQL crashes (immediate shutdown: open transactions lost) and comes back after 4 s.
      figures.inFlightAtDatabaseCrash = await whileInFlight(stream, 3, 'the database crash');
      step = Date.now();
      await cluster!.stopServer('immediate');
      await pause(4_000);
      await cluster!.startServer();
      figures.databaseOutageMs = Date.now() - step;

      // Load after the last fault too, and at least 300 messages in all.
      await pause(3_000);
      await eventually(async () => (stream.sent.length >= 300 ? true : undefined), 120_000, '300 sent');
    } finally {
      await stream.stop();
    }
    figures.streamMs = Date.now() - since;
    const ids = stream.sent;
    figures.sent = ids.length;
    figures.cases = stream.byCase.size;

    // Every message delivered: FR holds MK's receipt for each.
    const settling = Date.now();
    await eventually(
      async () => {
        const [row] = await federation!.query<{ n: number }>(
          'FR',
          `SELECT count(*)::int AS n FROM messages
            WHERE id = ANY($1::uuid[]) AND direction = 'OUTBOUND' AND status = 'DELIVERED'`,
          [ids],
        );
        return row.n === ids.length ? true : undefined;
      },
      180_000,
      `all ${ids.length} delivered`,
    ).catch(async (error) => {
      const statuses = await federation!.query<{ status: string; n: number }>(
        'FR',
        `SELECT status, count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) GROUP BY status`,
        [ids],
      );
      throw new Error(`${(error as Error).message}: ${JSON.stringify(statuses)}`);
    });
    figures.settleMs = Date.now() - settling;

    // 0 lost, 0 applied twice: each id stored once by MK as INBOUND.
    const [stored] = await federation!.query<{ n: number; ids: number }>(
      'MK',
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM messages
        WHERE id = ANY($1::uuid[]) AND direction = 'INBOUND'`,
      [ids],
    );
    expect(stored).toEqual({ n: ids.length, ids: ids.length });
    // 0 valid rejected: MK's inbox accepted each once, and nothing went to its dead-letter queue.
    const outcomes = await federation!.query<{ outcome: string; n: number; ids: number }>(
      'MK',
      `SELECT outcome, count(*)::int AS n, count(DISTINCT message_id)::int AS ids FROM inbox
        WHERE message_id = ANY($1::text[]) GROUP BY outcome`,
      [ids],
    );
    expect(outcomes).toEqual([{ outcome: 'ACCEPTED', n: ids.length, ids: ids.length }]);
    const deadLettered = await federation!.withAdminChannel(
      async (channel) => (await channel.checkQueue(deadLetterQueue('MK'))).messageCount,
      'MK',
    );
    expect(deadLettered).toBe(0);
    // FR: one receipt per message, no rejection.
    const replies = await federation!.query<{ type: string; n: number; ids: number }>(
      'FR',
      `SELECT type, count(*)::int AS n, count(DISTINCT in_reply_to)::int AS ids FROM messages
        WHERE direction = 'INBOUND' AND in_reply_to = ANY($1::text[]) GROUP BY type`,
      [ids],
    );
    expect(replies).toEqual([{ type: 'DELIVERY_RECEIPT', n: ids.length, ids: ids.length }]);

    // Each case in order: MK's MESSAGE_RECEIVED entries (their audit positions) follow FR's send order.
    const received = await federation!.query<{ message_id: string }>(
      'MK',
      `SELECT message_id FROM audit_log
        WHERE action = 'MESSAGE_RECEIVED' AND message_id = ANY($1::text[]) ORDER BY seq`,
      [ids],
    );
    expect(received).toHaveLength(ids.length);
    const position = new Map(received.map((row, i) => [row.message_id, i]));
    const overtaken = [...stream.byCase.values()].flatMap((sent) =>
      sent.flatMap((id, i) =>
        i > 0 && position.get(id)! < position.get(sent[i - 1])! ? [[sent[i - 1], id]] : [],
      ),
    );
    expect({ overtaken: overtaken.length, first: overtaken.slice(0, 3) }).toEqual({
      overtaken: 0,
      first: [],
    });

    // MK's audit chain: every entry sealed (the sealer catches up after the faults), then verified.
    await eventually(
      async () => {
        const [row] = await federation!.query<{ entries: number; sealed: number }>(
          'MK',
          `SELECT (SELECT count(*) FROM audit_log)::int AS entries, (SELECT count(*) FROM audit_chain)::int AS sealed`,
        );
        return row.entries === row.sealed ? true : undefined;
      },
      60_000,
      'MK’s chain sealed',
    );
    const verified = await auditVerify([], { DATABASE_URL: federation!.appDatabaseUrl('MK') });
    expect(verified.report).toMatchObject({ ok: true, problemCount: 0, pending: 0 });
    expect(verified.report.sealed).toBeGreaterThan(ids.length);
  }, 420_000);
});

interface Stream {
  /** Every id FR accepted (202), in the order the answers came. */
  sent: string[];
  /** Per case, the ids in the order FR accepted them: each sent only once the previous one was. */
  byCase: Map<string, string[]>;
  /**
   * Steady (the given senders, each pausing between sends) or a burst: a send on every case at once, no
   * pause, so that a batch reaches MK at once.
   */
  burst(on: boolean): void;
  /** Stops sending and waits for the sends in flight; throws if any send failed. */
  stop(): Promise<void>;
}

/**
 * A steady stream of CASE_UPDATEs from `node` to `to` over `cases` fresh cases: one loop per case, one message
 * at a time per case, and at most `senders` cases sending at once, each a short run of messages then a pause
 * of `everyMs`. The cases take turns (first come, first served).
 */
async function startStream(
  node: RunningNode,
  to: string,
  options: { cases: number; senders: number; everyMs: number },
): Promise<Stream> {
  const refs: string[] = [];
  for (let i = 0; i < options.cases; i++) refs.push(await openSharableCase(node));
  const sent: string[] = [];
  const byCase = new Map(refs.map((ref) => [ref, [] as string[]]));
  let [streaming, senders, everyMs, active] = [true, options.senders, options.everyMs, 0];
  const waiting: Array<() => void> = [];
  const wake = (): void => {
    while (active < senders && waiting.length > 0) {
      active += 1;
      waiting.shift()!();
    }
  };
  const slot = (): Promise<void> =>
    new Promise((resolve) => {
      waiting.push(resolve);
      wake();
    });
  const loops = refs.map(async (caseRef) => {
    while (streaming) {
      await slot();
      try {
        // A run of 1–4 updates on the case back to back: they reach MK close together, within one window
        // of its consumer, where only its per-case order keeps them in line.
        const run = 1 + Math.floor(Math.random() * 4);
        for (let i = 0; i < run && streaming; i++) {
          const response = await sendMessage(node, caseRef, {
            type: 'CASE_UPDATE',
            to,
            payload: examplePayload('CASE_UPDATE'),
          });
          if (response.status !== 202) throw new Error(`send: HTTP ${response.status}`);
          sent.push(response.body.id as string);
          byCase.get(caseRef)!.push(response.body.id as string);
        }
        await pause(everyMs);
      } finally {
        active -= 1;
        wake();
      }
    }
  });
  // A failed send surfaces at stop(); meanwhile it must not be an unhandled rejection.
  const done = Promise.all(loops);
  done.catch(() => undefined);
  return {
    sent,
    byCase,
    burst: (on) => {
      [senders, everyMs] = on ? [options.cases, 0] : [options.senders, options.everyMs];
      wake();
    },
    stop: async () => {
      // Every waiting case loop gets its turn, sees the end, and returns.
      [streaming, senders] = [false, options.cases];
      wake();
      await done;
    },
  };
}
