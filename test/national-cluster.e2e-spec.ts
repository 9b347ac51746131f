import { randomBytes } from 'node:crypto';
import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { RabbitmqNode } from '../scripts/lib/rabbitmq-node';
import { pause, streamThroughOutage } from './support/stream-through-outage';

/**
 * Issue 17: a national cluster. Three RabbitMQ nodes started and clustered by this suite; FR and MK connect
 * with AMQP_URL listing the three members, their quorum queues have a replica on each. The member both
 * nodes are connected to stops under a steady stream: they reconnect to another member, and nothing is lost
 * or applied twice.
 */
describe('a national cluster of three RabbitMQ nodes losing a member under load', () => {
  const id = randomBytes(3).toString('hex');
  const started: RabbitmqNode[] = [];
  let members: RabbitmqNode[];
  let federation: LocalFederation | undefined;
  let fr: RunningNode;
  let mk: RunningNode;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    let since = Date.now();
    const results = await Promise.allSettled(
      [1, 2, 3].map((n) =>
        RabbitmqNode.start({ name: `trm-${id}-c${n}`, plugins: ['rabbitmq_management'] }).then(
          (b) => (started.push(b), b),
        ),
      ),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    members = results.map((r) => (r as PromiseFulfilledResult<RabbitmqNode>).value);
    figures.membersStartMs = Date.now() - since;
    since = Date.now();
    await members[1].joinCluster(members[0]);
    await members[2].joinCluster(members[0]);
    figures.clusterFormMs = Date.now() - since;
    const cluster = {
      amqpHost: members.map((m) => m.amqpHost).join(','),
      managementUrl: members[0].managementUrl,
    };
    federation = new LocalFederation({
      codes: ['FR', 'MK'],
      logLevel: 'error',
      brokers: { FR: cluster, MK: cluster },
    });
    // The queues are declared once the cluster has formed: a replica on each member.
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
  }, 300_000);

  afterAll(async () => {
    await federation?.tearDown();
    const since = Date.now();
    await Promise.all(started.map((member) => member.stop()));
    figures.membersStopMs = Date.now() - since;
    process.stdout.write(`national cluster: ${JSON.stringify(figures)}\n`);
  }, 120_000);

  it('keeps every message when the member the nodes use stops', async () => {
    const replicas = await members[1].ctl(['list_queues', '-p', federation!.vhost, 'name', 'members']);
    // Each of MK's lanes has its three replicas.
    expect(replicas).toMatch(new RegExp(`trm\\.inbox\\.MK\\s+\\[.*${members[2].node}.*\\]`));

    let stoppedAt = 0;
    const ids = await streamThroughOutage(federation!, fr, mk, 300, async (sent) => {
      // Both nodes list the first member first, so that is the one they are connected to.
      await members[0].ctl(['stop_app']);
      stoppedAt = sent.length;
      await pause(8_000);
    });
    figures.streamed = ids.length;
    figures.sentAfterStop = ids.length - stoppedAt;
    expect(ids.length).toBeGreaterThan(stoppedAt);

    // The nodes now talk through the members still up.
    const connections = await members[1].ctl(['list_connections', 'user']);
    const others = await members[2].ctl(['list_connections', 'user']);
    expect(`${connections}\n${others}`).toMatch(/\bFR\b/);
    expect(`${connections}\n${others}`).toMatch(/\bMK\b/);
  }, 240_000);
});
