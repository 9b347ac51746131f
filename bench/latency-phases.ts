import { Client } from 'pg';
import type { LocalFederation } from '../scripts/lib/local-federation';
import {
  Driver,
  HopOptions,
  hopTimings,
  measureHops,
  node,
  planTasks,
  Route,
  Sent,
  sendingSide,
  stageSummary,
} from './pipeline-hops';
import { atMost, phaseResult, PhaseResult, round, summarize } from './stats';

/**
 * Issue 13's two latency targets, measured through the same nodes and drivers as the pipeline phase
 * (pipeline-hops.ts): emergency alerts while the routine lane is flooded, and routine hops at a modest paced
 * rate. Times are wall clock (Date.now() and the nodes' database timestamps, all on this machine).
 */

/** A hop sent by this module, with the moment its send call began. */
interface Timed extends Sent {
  sendAt: number;
}

export interface AlertOptions {
  driver: Driver;
  /** Sender and receiver of the alerts (the receiver is the flood's). */
  route: Route;
  alerts: number;
  /** Alerts are sent open-loop, one every intervalMs (a slow send call does not delay the next). */
  intervalMs: number;
  /** How long the flood runs before the first alert, so the routine lane is full when it arrives. */
  leadInMs: number;
  /** The routine flood: the pipeline phase's load, sized to outlast the alerts. */
  flood: HopOptions;
  timeoutMs: number;
}

/**
 * EMERGENCY_ALERTs from one node while both senders flood the receiver's routine lane. Each alert goes on a
 * case of its own, already shared with the receiver by a delivered referral (as an alert follows one).
 *
 * The latency is from the sender's relay publishing the alert (its outbox row's published_at: the relay's
 * transaction began, the publish follows) to the receiver's MESSAGE_RECEIVED audit entry (the last write of
 * the transaction that applied it): the time an alert spends between the nodes, including any wait at the
 * receiver behind routine traffic. The sender's own outbox wait and the full hop (send call → receipt
 * applied at the sender) are reported beside it.
 */
export async function measureAlerts(
  federation: LocalFederation,
  options: AlertOptions,
): Promise<PhaseResult> {
  const { from, to } = options.route;
  const clients = await connect(federation, [from, to]);
  try {
    const side = sendingSide(node(federation, from), options.driver);
    const cases: string[] = [];
    const referrals: Sent[] = [];
    for (let i = 0; i < options.alerts; i++) {
      const caseRef = await side.openCase();
      cases.push(caseRef);
      referrals.push({ id: await side.send(caseRef, to), from, to });
    }
    await waitDelivered(clients, referrals, options.timeoutMs, 'alert cases shared');

    let floodStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (floodStarted = resolve));
    const flooding = measureHops(federation, { ...options.flood, onFlooding: () => floodStarted() });
    // Surfaces a flood that fails before it starts, instead of waiting for it forever.
    await Promise.race([started, flooding]);
    await sleep(options.leadInMs);

    const began = Date.now();
    const sending: Array<Promise<Timed>> = [];
    for (const [i, caseRef] of cases.entries()) {
      await sleep(began + i * options.intervalMs - Date.now());
      const sendAt = Date.now();
      sending.push(side.send(caseRef, to, 'EMERGENCY_ALERT').then((id) => ({ id, from, to, sendAt })));
    }
    const alerts = await Promise.all(sending);
    const flood = await flooding;
    await waitDelivered(clients, alerts, options.timeoutMs, 'alerts delivered');

    // hopTimings keeps the order it was given.
    const timings = (await hopTimings(clients, alerts)).map((t, i) => ({ ...t, sendAt: alerts[i].sendAt }));
    // The flood saturates the receiver while its send calls go on; after the last one it drains.
    const floodSendEnd = began - options.leadInMs + Number(flood.details.sendCallsSeconds) * 1000;
    const during = timings.filter((t) => t.sentAt <= floodSendEnd);
    if (during.length === 0) {
      throw new Error('the flood ended before the first alert was published: raise BENCH_ALERTS_FLOOD');
    }
    const lastDelivered = Math.max(...timings.map((t) => t.deliveredAt));
    return phaseResult(
      `emergency alerts ${from}>${to}, routine lane flooded`,
      alerts.length,
      lastDelivered - began,
      during.map((t) => t.appliedAt - t.sentAt),
      {
        latency: `${from} relay published → ${to} applied (audit entry), alerts published during the flood`,
        alertsDuringFlood: during.length,
        intervalMs: options.intervalMs,
        sendToAppliedMs: summarize(during.map((t) => t.appliedAt - t.sendAt)),
        hopMs: summarize(during.map((t) => t.deliveredAt - t.sendAt)),
        stagesMs: stageSummary(during),
        flood: {
          messages: flood.messages,
          perSecond: flood.perSecond,
          latency: flood.latency,
          backlog: flood.details.backlog,
        },
      },
    );
  } finally {
    for (const client of clients.values()) await atMost(client.end(), 2000);
  }
}

export interface PacedOptions {
  driver: Driver;
  routes: Route[];
  /** Messages per second, sent open-loop: on schedule whatever the earlier ones are doing. */
  rate: number;
  /** Where the rate comes from, for the report. */
  rateBasis: string;
  messages: number;
  messagesPerCase: number;
  timeoutMs: number;
}

/**
 * Routine REFERRAL_REQUESTs at a fixed rate, far below capacity: the latency a coordinator sees when nothing
 * queues for load. Measured from the moment the send call began (open loop: a late hop does not delay the
 * next send, so queueing shows in the figures instead of slowing the load), to the receipt applied at the
 * sender (the hop) and to the receiver's commit (its MESSAGE_RECEIVED audit entry).
 */
export async function measurePaced(federation: LocalFederation, options: PacedOptions): Promise<PhaseResult> {
  const codes = [...new Set(options.routes.flatMap((route) => [route.from, route.to]))];
  const clients = await connect(federation, codes);
  try {
    const tasks = await planTasks(federation, options);
    const sides = new Map(
      options.routes.map((r) => [r.from, sendingSide(node(federation, r.from), options.driver)]),
    );
    const periodMs = 1000 / options.rate;
    const began = Date.now();
    const sending: Array<Promise<Timed>> = [];
    let lateMs = 0;
    for (const [i, task] of tasks.entries()) {
      const due = began + i * periodMs;
      await sleep(due - Date.now());
      const sendAt = Date.now();
      lateMs = Math.max(lateMs, sendAt - due);
      const { from, to } = task.route;
      sending.push(
        sides
          .get(from)!
          .send(task.caseRef, to)
          .then((id) => ({ id, from, to, sendAt })),
      );
    }
    const sent = await Promise.all(sending);
    await waitDelivered(clients, sent, options.timeoutMs, 'paced hops delivered');

    const timings = await hopTimings(clients, sent);
    const lastDelivered = Math.max(...timings.map((t) => t.deliveredAt));
    return phaseResult(
      `routine at ${options.rate}/s`,
      sent.length,
      lastDelivered - began,
      timings.map((t, i) => t.deliveredAt - sent[i].sendAt),
      {
        latency: 'send call → receipt applied at the sender',
        rate: options.rate,
        rateBasis: options.rateBasis,
        routes: options.routes.map((route) => `${route.from}>${route.to}`),
        sendToCommittedMs: summarize(timings.map((t, i) => t.appliedAt - sent[i].sendAt)),
        // How far behind its schedule the bench itself fell (the machine is shared).
        maxScheduleLagMs: round(lateMs),
        stagesMs: stageSummary(timings),
      },
    );
  } finally {
    for (const client of clients.values()) await atMost(client.end(), 2000);
  }
}

async function connect(federation: LocalFederation, codes: string[]): Promise<Map<string, Client>> {
  const clients = new Map<string, Client>();
  for (const code of codes) {
    const client = new Client({ connectionString: federation.databaseUrl(code) });
    client.on('error', () => undefined);
    await client.connect();
    clients.set(code, client);
  }
  return clients;
}

/** Polls the senders until every hop is DELIVERED (its receipt applied). */
async function waitDelivered(
  clients: Map<string, Client>,
  sent: Sent[],
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let delivered = 0;
    for (const [code, client] of clients) {
      const ids = sent.filter((s) => s.from === code).map((s) => s.id);
      if (ids.length === 0) continue;
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND status = 'DELIVERED'`,
        [ids],
      );
      delivered += rows[0].n;
    }
    if (delivered === sent.length) return;
    if (Date.now() > deadline) throw new Error(`${what}: ${delivered}/${sent.length} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
