import type { Channel } from 'amqplib';
import { Worker } from 'node:worker_threads';
import { examplePayload } from '../src/messages/examples';
import { inboxQueue, TRANSNATIONAL_EXCHANGE, urgentQueue } from '../src/transport/topology';
import { CasesService } from '../src/cases/cases.service';
import { DirectoryService } from '../src/directory/directory.service';
import { MetricsService } from '../src/metrics/metrics.service';
import { OutboundService } from '../src/transfers/outbound.service';
import { UrgentLaneThread } from '../src/transfers/urgent-lane-thread';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { Draft, ForeignPeer } from './support/foreign-peer';
import { api } from './support/node-api';

/**
 * Alerts never wait (issue 13), whatever the main thread is doing: with TRM_URGENT_LANE=thread (the default)
 * MK consumes its urgent queue in a worker thread of its own. Here MK's main thread (this test's thread, as
 * MK runs in this process) is blocked outright while an alert arrives, and MK still applies it before the
 * block ends; the receipt the thread wrote leaves through the main thread's relay, and an alert MK sends is
 * published by the thread while the main thread is blocked; the thread follows the directory versions the
 * main thread accepts; the thread's counts are
 * in MK's metrics; a thread that dies is started again; a stopped node leaves no consumer behind.
 */
describe('the urgent lane in a thread of its own (real PostgreSQL, RabbitMQ and worker threads)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let france: ForeignPeer;
  let mk: RunningNode;
  const year = new Date().getUTCFullYear();
  let nextCase = 300;

  beforeAll(async () => {
    await federation.setUp();
    france = await ForeignPeer.connect(federation, 'FR');
    mk = await federation.start('MK', { urgentLane: 'thread' });
  }, 180_000);

  afterAll(async () => {
    await france?.close();
    await federation.tearDown();
  });

  /** FR's message of that type to MK, with the catalogue's example payload. */
  function toMK(type: 'REFERRAL_REQUEST' | 'EMERGENCY_ALERT', caseRef: string): Draft {
    return { type, to: 'MK', caseRef, payload: examplePayload(type) };
  }

  /** A case MK knows, as an alert follows a referral. */
  async function sharedCase(): Promise<string> {
    const caseRef = `TRM-FR-${year}-000${nextCase++}`;
    const referral = await france.send(toMK('REFERRAL_REQUEST', caseRef));
    expect((await france.replyTo(referral, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    return caseRef;
  }

  async function appliedAt(id: string): Promise<Date | undefined> {
    const rows = await federation.query<{ at: Date }>(
      'MK',
      `SELECT at FROM audit_log WHERE action = 'MESSAGE_RECEIVED' AND message_id = $1`,
      [id],
    );
    return rows[0]?.at;
  }

  async function readiness(): Promise<Record<string, string>> {
    return (await api(mk, 'GET', '/health/ready', undefined, { as: 'anonymous' })).body;
  }

  async function consumers(queue: string): Promise<number> {
    return federation.withAdminChannel(
      async (channel: Channel) => (await channel.checkQueue(queue)).consumerCount,
    );
  }

  /** A thread is up once it booted; it consumes once its own broker connection is open, just after. */
  async function consumersSettle(queue: string, count: number): Promise<number> {
    return eventually(
      async () => {
        const n = await consumers(queue);
        return n === count ? n : undefined;
      },
      15_000,
      `${count} consumer(s) on ${queue}`,
    );
  }

  it('consumes the urgent queue in its thread and the routine queue on the main thread', async () => {
    expect(await consumersSettle(urgentQueue('MK'), 1)).toBe(1);
    expect(await consumersSettle(inboxQueue('MK'), 1)).toBe(1);
    expect(await readiness()).toEqual({ status: 'ok', database: 'up', broker: 'up', urgentLane: 'thread' });
    // Without its thread, MK takes no alert at all; the routine queue is the main thread's.
    const thread = mk.app!.get(UrgentLaneThread);
    await thread.stop();
    expect(await consumers(urgentQueue('MK'))).toBe(0);
    expect(await consumers(inboxQueue('MK'))).toBe(1);
    // Said where an orchestrator looks: alerts wait in their queue meanwhile.
    expect(await readiness()).toEqual({
      status: 'degraded',
      database: 'up',
      broker: 'up',
      urgentLane: 'down',
    });
    await thread.start();
    expect(await consumersSettle(urgentQueue('MK'), 1)).toBe(1);
    expect((await readiness()).urgentLane).toBe('thread');
  }, 120_000);

  it("applies an alert while MK's main thread cannot run at all", async () => {
    const caseRef = await sharedCase();
    const alert = france.build(toMK('EMERGENCY_ALERT', caseRef));
    // Published from a thread of its own 300 ms from now, while this thread (MK's main thread too) spins.
    const publisher = new Worker(PUBLISH_LATER, {
      eval: true,
      workerData: {
        url: federation.amqpUrl('FR'),
        exchange: TRANSNATIONAL_EXCHANGE,
        body: alert.body,
        ...france.wire({
          id: alert.id,
          type: 'EMERGENCY_ALERT',
          to: 'MK',
          signature: alert.signature,
          caseRef,
        }),
        delayMs: 300,
      },
    });
    const published = new Promise<void>((resolve, reject) => {
      publisher.once('message', () => resolve());
      publisher.once('error', reject);
    });
    const blockedFrom = Date.now();
    while (Date.now() - blockedFrom < 6_000) {
      // MK's main thread (and its relay, consumer and pools) cannot run: only the urgent lane's thread can.
    }
    const blockedUntil = Date.now();
    await published;
    await publisher.terminate();

    const at = await eventually(() => appliedAt(alert.id), 30_000, 'the alert applied');
    expect(at.getTime()).toBeGreaterThan(blockedFrom);
    expect(at.getTime()).toBeLessThan(blockedUntil);
    // Its receipt was written by the thread and sent by the main thread's relay, kicked from the thread.
    expect((await france.replyTo(alert.id, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');
  }, 180_000);

  it("publishes an alert MK sends while MK's main thread cannot run at all", async () => {
    const app = mk.app!;
    const actor = 'coordinator:urgent-lane-test';
    const { caseRef } = await app.get(CasesService).open(actor);
    const { record } = await app.get(OutboundService).send(
      {
        caseRef,
        type: 'EMERGENCY_ALERT',
        to: 'FR',
        legalBasis: 'VITAL_INTEREST',
        payload: examplePayload('EMERGENCY_ALERT'),
      },
      actor,
    );
    // Committed; from here MK's main thread spins, and only the urgent lane's thread can relay it.
    const blockedFrom = Date.now();
    while (Date.now() - blockedFrom < 4_000) {
      // nothing runs on this thread
    }
    const blockedUntil = Date.now();
    const [row] = await federation.query<{ published_at: Date | null }>(
      'MK',
      `SELECT published_at FROM outbox WHERE message_id = $1`,
      [record.id],
    );
    expect(row.published_at).toBeInstanceOf(Date);
    expect(row.published_at!.getTime()).toBeLessThan(blockedUntil);
    const [atFrance] = await france.waitFor((r) => r.envelope.id === record.id, 30_000, 'the alert at FR');
    expect(atFrance.envelope.type).toBe('EMERGENCY_ALERT');
  }, 120_000);

  it("counts the thread's deliveries in the node's metrics", async () => {
    const text = await mk.app!.get(MetricsService).scrape();
    const accepted = /^trm_inbound_deliveries_total\{outcome="ACCEPTED",reason=""\} (\d+)$/m.exec(text);
    const latencies = /^trm_inbound_latency_seconds_count\{outcome="ACCEPTED"\} (\d+)$/m.exec(text);
    // Every message MK applied so far, the alert the thread applied among them.
    const [{ n }] = await federation.query<{ n: number }>(
      'MK',
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'MESSAGE_RECEIVED'`,
    );
    expect(n).toBeGreaterThanOrEqual(2);
    expect(Number(accepted?.[1])).toBe(n);
    expect(Number(latencies?.[1])).toBe(n);
  });

  it('takes each directory version the main thread accepts (it does not poll the file itself)', async () => {
    const thread = mk.app!.get(UrgentLaneThread);
    const directory = mk.app!.get(DirectoryService);
    expect(thread.directoryVersion).toBe(directory.version);
    const { version } = federation.publishDirectory((participants) => participants);
    expect(version).toBeGreaterThan(directory.version);
    const reload = await api(mk, 'POST', '/directory/reload', undefined, { as: 'admin' });
    expect(reload.body).toMatchObject({ outcome: 'ACCEPTED', version });
    const taken = await eventually(
      async () => (thread.directoryVersion === version ? version : undefined),
      15_000,
      'the thread on the new version',
    );
    expect(taken).toBe(version);
  }, 60_000);

  it('starts the thread again when it dies, and the alerts sent meanwhile are applied', async () => {
    const caseRef = await sharedCase();
    const thread = mk.app!.get(UrgentLaneThread) as unknown as { worker: Worker | null };
    const dying = thread.worker!;
    const exited = new Promise((resolve) => dying.once('exit', resolve));
    await dying.terminate();
    await exited;
    const alert = await france.send(toMK('EMERGENCY_ALERT', caseRef));
    expect((await france.replyTo(alert, 90_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    expect(await appliedAt(alert)).toBeInstanceOf(Date);
    expect(thread.worker).not.toBe(dying);
    // A new thread starts on the directory the node holds now.
    expect(mk.app!.get(UrgentLaneThread).directoryVersion).toBe(mk.app!.get(DirectoryService).version);
    expect(await consumersSettle(urgentQueue('MK'), 1)).toBe(1);
  }, 180_000);

  it('leaves no consumer behind once the node is stopped', async () => {
    await federation.stop('MK');
    expect(await consumers(urgentQueue('MK'))).toBe(0);
    expect(await consumers(inboxQueue('MK'))).toBe(0);
  }, 60_000);
});

/** The publishing thread: connects as FR, waits, publishes once with a confirm, says so. */
const PUBLISH_LATER = `
const { parentPort, workerData } = require('node:worker_threads');
const amqp = require('amqplib');
(async () => {
  const { url, exchange, routingKey, body, properties, delayMs } = workerData;
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  channel.publish(exchange, routingKey, Buffer.from(body), properties);
  await channel.waitForConfirms();
  parentPort.postMessage('published');
  await connection.close();
})();
`;
