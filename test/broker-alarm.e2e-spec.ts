import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { RabbitmqNode } from '../scripts/lib/rabbitmq-node';
import { examplePayload } from '../src/messages/examples';
import { messageStatus, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

/**
 * A broker short of memory or disk blocks the connections that publish (RabbitMQ's resource alarms): it
 * stops reading from them, so a publish is neither confirmed nor refused. The node must say so (its log,
 * /health/ready) and lose nothing: what it sends meanwhile waits and is delivered once the alarm clears.
 * The alarm is raised on a RabbitMQ node of this suite's own (the distribution's rabbitmq-server), never on
 * the shared broker the other suites use.
 */
describe('a broker that blocks publishing (a memory alarm on a RabbitMQ node of its own)', () => {
  let broker: RabbitmqNode | undefined;
  let federation: LocalFederation | undefined;
  let fr: RunningNode;
  let watermark: string;

  const setWatermark = (value: string) => broker!.ctl(['set_vm_memory_high_watermark', value]);

  beforeAll(async () => {
    broker = await RabbitmqNode.start({
      name: `trm-${randomBytes(3).toString('hex')}-alarm`,
      plugins: ['rabbitmq_management'],
    });
    watermark = (await broker.ctl(['eval', 'vm_memory_monitor:get_vm_memory_high_watermark().'])).trim();
    const side = { amqpHost: broker.amqpHost, managementUrl: broker.managementUrl };
    federation = new LocalFederation({
      codes: ['FR', 'MK'],
      logLevel: 'error',
      brokers: { FR: side, MK: side },
    });
    await federation.setUp();
    fr = await federation.start('FR');
    await federation.start('MK');
  }, 180_000);

  afterAll(async () => {
    await federation?.tearDown();
    await broker?.stop();
  }, 120_000);

  async function readiness(): Promise<{ status: string; broker: string }> {
    const response = await fetch(`${fr.url}/health/ready`);
    return (await response.json()) as { status: string; broker: string };
  }

  it('says the broker blocks it, holds what it sends, and delivers it once when the alarm clears', async () => {
    const caseRef = await openSharableCase(fr);
    expect(await readiness()).toMatchObject({ status: 'ok', broker: 'up' });
    const warn = jest.spyOn(Logger.prototype, 'warn');
    let id: string;
    try {
      // Any use of memory is over this mark: the broker raises its memory alarm.
      await setWatermark('0.0000001');
      const sent = await sendMessage(fr, caseRef, {
        type: 'CASE_UPDATE',
        to: 'MK',
        payload: examplePayload('CASE_UPDATE'),
      });
      expect(sent.status).toBe(202);
      id = sent.body.id;
      const ready = await eventually(
        async () => {
          const now = await readiness();
          return now.broker === 'blocked' ? now : undefined;
        },
        30_000,
        'the node reporting the broker blocked',
      );
      expect(ready.status).toBe('degraded');
      expect(
        warn.mock.calls.some(([message]) =>
          /the broker blocked publishing \(.*memory/i.test(String(message)),
        ),
      ).toBe(true);
      // Held, not lost nor failed: queued at FR, nothing at MK.
      expect((await messageStatus(fr, id)).status).toBe('QUEUED');
      const atMk = await federation!.query('MK', `SELECT 1 FROM messages WHERE id = $1`, [id]);
      expect(atMk).toEqual([]);
    } finally {
      warn.mockRestore();
      await setWatermark(watermark);
    }
    await waitDelivered(fr, id, 60_000);
    const copies = await federation!.query<{ n: number }>(
      'MK',
      `SELECT count(*)::int AS n FROM messages WHERE id = $1 AND direction = 'INBOUND'`,
      [id],
    );
    expect(copies[0].n).toBe(1);
    await eventually(
      async () => ((await readiness()).broker === 'up' ? true : undefined),
      30_000,
      'the node reporting the broker up again',
    );
  }, 180_000);
});
