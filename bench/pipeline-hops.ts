import * as amqp from 'amqplib';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { CaseWorkflowService } from '../src/cases/case-workflow.service';
import type { Guardian } from '../src/cases/case.entity';
import { CasesService } from '../src/cases/cases.service';
import type { RecordConsentDto } from '../src/consent/consent.dto';
import { ConsentService } from '../src/consent/consent.service';
import { CONSENT_SCOPES } from '../src/messages/envelope.dto';
import { examplePayload } from '../src/messages/examples';
import type { MessageType } from '../src/messages/message-types';
import { OutboundService, SendMessageCommand } from '../src/transfers/outbound.service';
import { inboxQueue } from '../src/transport/topology';
import { api } from '../test/support/node-api';
import { queryCountsPer, queryCountsSnapshot } from './query-counter';
import { atMost, phaseResult, PhaseResult, round, summarize } from './stats';

/**
 * End-to-end referral hops through real nodes: a REFERRAL_REQUEST sent at one node, committed by the
 * receiver, and its DELIVERY_RECEIPT applied back at the sender (status DELIVERED). Timings come from the
 * nodes' own databases, so the bench adds nothing to the path it measures but a count query per poll.
 */

export interface Route {
  from: string;
  to: string;
}

export type Driver = 'service' | 'http';

export interface HopOptions {
  name: string;
  /** `service`: OutboundService.send in-process; `http`: POST /cases/:ref/messages (nodes anywhere). */
  driver: Driver;
  messages: number;
  /** Send calls in flight at once, across every route. */
  concurrency: number;
  messagesPerCase: number;
  routes: Route[];
  timeoutMs: number;
  pollMs: number;
  /** Full rights on the run's vhost, to sample queue depths. */
  amqpUrl: string;
  /** Each send waits until the previous hop is DELIVERED: the latency of a hop when nothing queues. */
  oneAtATime?: boolean;
  /** Called when the first send call starts (cases are opened before): the alerts phase starts on it. */
  onFlooding?: () => void;
}

const ACTOR = 'bench:coordinator';
// The live consent each case gets before its first send: every scope, every node, from a guardian (the
// example referral is about a child), so the consent gate allows and never redacts what is measured.
const CONSENT: RecordConsentDto = {
  scopes: [...CONSENT_SCOPES],
  recipients: ['FR', 'IT', 'MK'],
  givenBy: 'GUARDIAN',
  informed: true,
  informedLanguage: 'en',
  childView: 'She agrees to be referred.',
};

const GUARDIAN: Guardian = {
  kind: 'GUARDIAN',
  institution: 'Child protection service',
  appointedAt: '2026-11-20',
};

export interface SendingSide {
  openCase(): Promise<string>;
  /** Returns the id of the queued message (a REFERRAL_REQUEST unless told). */
  send(caseRef: string, to: string, type?: MessageType): Promise<string>;
}

export interface Task {
  route: Route;
  caseRef: string;
}

export interface Sent {
  id: string;
  from: string;
  to: string;
}

/** Backlog seen by the poller: where messages wait tells which stage cannot keep up. */
interface Backlog {
  samples: number;
  outboxPending: Record<string, { max: number; mean: number }>;
  inboxReady: Record<string, { max: number; mean: number }>;
}

export async function measureHops(federation: LocalFederation, options: HopOptions): Promise<PhaseResult> {
  const codes = [...new Set(options.routes.flatMap((route) => [route.from, route.to]))];
  const senders = [...new Set(options.routes.map((route) => route.from))];
  const clients = new Map<string, Client>();
  let sampler: amqp.ChannelModel | null = null;
  try {
    for (const code of codes) {
      const client = new Client({ connectionString: federation.databaseUrl(code) });
      client.on('error', () => undefined);
      await client.connect();
      clients.set(code, client);
    }
    sampler = await amqp.connect(options.amqpUrl, {
      clientProperties: { connection_name: 'trm-bench-sampler' },
    });
    sampler.on('error', () => undefined);
    const queues = await sampler.createChannel();

    const tasks = await planTasks(federation, options);
    const delivered = async (): Promise<number> => {
      let total = 0;
      for (const code of senders) {
        const [row] = (
          await clients
            .get(code)!
            .query(`SELECT count(*) FROM messages WHERE status='DELIVERED' AND type='REFERRAL_REQUEST'`)
        ).rows;
        total += Number(row.count);
      }
      return total;
    };
    const baseline = await delivered();
    const backlog = newBacklog(codes);
    const queriesBefore = queryCountsSnapshot();

    // Wall clock, not performance.now(): it is compared with the databases' timestamps.
    const startedAt = Date.now();
    options.onFlooding?.();
    const sendCalls: number[] = [];
    const waitDelivered = options.oneAtATime
      ? async (sent: Sent): Promise<void> => {
          for (;;) {
            const { rows } = await clients
              .get(sent.from)!
              .query(`SELECT status FROM messages WHERE id = $1`, [sent.id]);
            if (rows[0]?.status === 'DELIVERED') return;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      : null;
    const sending = sendAll(federation, options, tasks, sendCalls, waitDelivered).then((sent) => ({
      sent,
      seconds: (Date.now() - startedAt) / 1000,
    }));
    let sendError: unknown = null;
    sending.catch((error: unknown) => (sendError = error));

    const deadline = startedAt + options.timeoutMs;
    let reached = 0;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
      if (sendError) throw sendError;
      reached = (await delivered()) - baseline;
      await sampleBacklog(backlog, clients, queues);
      if (reached >= options.messages) break;
      if (Date.now() > deadline) {
        throw new Error(
          `${options.name}: ${reached}/${options.messages} delivered after ${options.timeoutMs} ms`,
        );
      }
    }
    const { sent, seconds: sendSeconds } = await sending;
    const queriesPerHop = queryCountsPer(queriesBefore, queryCountsSnapshot(), options.messages);

    const timings = await hopTimings(clients, sent);
    const lastDelivered = Math.max(...timings.map((t) => t.deliveredAt));
    return phaseResult(
      options.name,
      options.messages,
      lastDelivered - startedAt,
      timings.map((t) => t.deliveredAt - t.createdAt),
      {
        driver: options.driver,
        routes: options.routes.map((route) => `${route.from}>${route.to}`),
        concurrency: options.oneAtATime ? 1 : options.concurrency,
        cases: new Set(tasks.map((task) => task.caseRef)).size,
        // How fast the senders accepted work, apart from how fast it was carried.
        sendCallsSeconds: round(sendSeconds, 3),
        sendCallsPerSecond: round(options.messages / sendSeconds),
        sendCallMs: summarize(sendCalls),
        stagesMs: stageSummary(timings),
        backlog: summarizeBacklog(backlog),
        ...(queriesPerHop ? { queriesPerHop } : {}),
      },
    );
  } finally {
    for (const client of clients.values()) await atMost(client.end(), 2000);
    if (sampler) await atMost(sampler.close(), 2000);
  }
}

/**
 * Messages alternate between routes and, within a route, go round-robin over its cases: consecutive send
 * calls then touch different cases, as independent coordinators would, instead of queueing on one case lock.
 */
export async function planTasks(
  federation: LocalFederation,
  options: Pick<HopOptions, 'driver' | 'messages' | 'messagesPerCase' | 'routes'>,
): Promise<Task[]> {
  const perRoute = options.routes.map(
    (_, r) =>
      Math.floor(options.messages / options.routes.length) +
      (r < options.messages % options.routes.length ? 1 : 0),
  );
  const casesByRoute: string[][] = [];
  for (const [r, route] of options.routes.entries()) {
    const side = sendingSide(node(federation, route.from), options.driver);
    const cases: string[] = [];
    for (let i = 0; i < Math.ceil(perRoute[r] / options.messagesPerCase); i++) {
      cases.push(await side.openCase());
    }
    casesByRoute.push(cases);
  }
  const tasks: Task[] = [];
  const next = options.routes.map(() => 0);
  for (let i = 0; i < options.messages; i++) {
    const r = i % options.routes.length;
    const cases = casesByRoute[r];
    tasks.push({ route: options.routes[r], caseRef: cases[next[r]++ % cases.length] });
  }
  return tasks;
}

async function sendAll(
  federation: LocalFederation,
  options: HopOptions,
  tasks: Task[],
  sendCalls: number[],
  waitDelivered: ((sent: Sent) => Promise<void>) | null,
): Promise<Sent[]> {
  const sides = new Map(
    options.routes.map((route) => [route.from, sendingSide(node(federation, route.from), options.driver)]),
  );
  const sent: Sent[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++];
      const began = performance.now();
      const id = await sides.get(task.route.from)!.send(task.caseRef, task.route.to);
      sendCalls.push(performance.now() - began);
      const hop = { id, from: task.route.from, to: task.route.to };
      sent.push(hop);
      if (waitDelivered) await waitDelivered(hop);
    }
  };
  const workers = waitDelivered ? 1 : Math.min(options.concurrency, tasks.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return sent;
}

export function node(federation: LocalFederation, code: string): RunningNode {
  const found = federation.nodes.get(code);
  if (!found) throw new Error(`node ${code} is not running`);
  return found;
}

export function sendingSide(running: RunningNode, driver: Driver): SendingSide {
  const command = (
    caseRef: string,
    to: string,
    type: MessageType = 'REFERRAL_REQUEST',
  ): SendMessageCommand => ({
    caseRef,
    type,
    to,
    legalBasis: 'CONSENT',
    payload: examplePayload(type),
  });
  if (driver === 'service') {
    const app = running.app;
    if (!app)
      throw new Error(`node ${running.code} runs in another process: service calls need it in-process`);
    // Consent belongs to the case's set-up, not to what is measured.
    const consents = app.get(ConsentService);
    const cases = app.get(CasesService);
    const outbound = app.get(OutboundService);
    const workflow = app.get(CaseWorkflowService);
    return {
      openCase: async () => {
        const { caseRef } = await cases.open(ACTOR);
        await consents.record(caseRef, CONSENT, ACTOR);
        // The example referral is a child's: the case lifecycle wants her guardian recorded first.
        await workflow.setGuardian(caseRef, GUARDIAN, ACTOR);
        return caseRef;
      },
      send: async (caseRef, to, type) => (await outbound.send(command(caseRef, to, type), ACTOR)).record.id,
    };
  }
  // Through api(), as the tests call a node: it carries whatever authentication the node asks for.
  const post = async (path: string, body: unknown, expected: number): Promise<Record<string, unknown>> => {
    const response = await api(running, 'POST', path, body);
    if (response.status !== expected) {
      throw new Error(`POST ${path}: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
    }
    return response.body as Record<string, unknown>;
  };
  return {
    openCase: async () => {
      const caseRef = String((await post('/cases', {}, 201)).caseRef);
      await post(`/cases/${caseRef}/consents`, CONSENT, 201);
      const guardian = await api(running, 'PUT', `/cases/${caseRef}/guardian`, GUARDIAN);
      if (guardian.status !== 200) throw new Error(`PUT guardian: HTTP ${guardian.status}`);
      return caseRef;
    },
    send: async (caseRef, to, type) => {
      const { caseRef: _, ...body } = command(caseRef, to, type);
      return String((await post(`/cases/${caseRef}/messages`, body, 202)).id);
    },
  };
}

function newBacklog(codes: string[]): Backlog & { sums: Record<string, number> } {
  const zero = (): Record<string, { max: number; mean: number }> =>
    Object.fromEntries(codes.map((code) => [code, { max: 0, mean: 0 }]));
  return { samples: 0, outboxPending: zero(), inboxReady: zero(), sums: {} };
}

async function sampleBacklog(
  backlog: Backlog & { sums: Record<string, number> },
  clients: Map<string, Client>,
  queues: amqp.Channel,
): Promise<void> {
  backlog.samples += 1;
  const record = (kind: 'outboxPending' | 'inboxReady', code: string, value: number): void => {
    const key = `${kind}:${code}`;
    backlog.sums[key] = (backlog.sums[key] ?? 0) + value;
    backlog[kind][code].max = Math.max(backlog[kind][code].max, value);
    backlog[kind][code].mean = round(backlog.sums[key] / backlog.samples);
  };
  for (const [code, client] of clients) {
    const [row] = (await client.query(`SELECT count(*) FROM outbox WHERE published_at IS NULL`)).rows;
    record('outboxPending', code, Number(row.count));
    // Ready messages only: the ones waiting beyond the consumer's prefetch window.
    record('inboxReady', code, (await queues.checkQueue(inboxQueue(code))).messageCount);
  }
}

function summarizeBacklog(backlog: Backlog): Backlog {
  return { samples: backlog.samples, outboxPending: backlog.outboxPending, inboxReady: backlog.inboxReady };
}

/** Database timestamps (transaction start times, ms since the epoch) of one hop at both ends. */
export interface HopTiming {
  /** Sender: send transaction. */
  createdAt: number;
  /** Sender: relay transaction that published it (markSent). */
  sentAt: number;
  /** Receiver: inbound transaction that committed it (its messages row, written early in it). */
  receivedAt: number;
  /** Receiver: its MESSAGE_RECEIVED audit entry, the transaction's last write before the commit. */
  appliedAt: number;
  /** Receiver: relay transaction that published its DELIVERY_RECEIPT. */
  receiptSentAt: number;
  /** Sender: inbound transaction that applied the receipt. */
  deliveredAt: number;
}

export async function hopTimings(clients: Map<string, Client>, sent: Sent[]): Promise<HopTiming[]> {
  const ms = (column: string): string => `(extract(epoch FROM ${column}) * 1000)::float8`;
  const atSender = new Map<string, { createdAt: number; sentAt: number; deliveredAt: number }>();
  const atReceiver = new Map<string, { receivedAt: number; receiptSentAt: number; appliedAt?: number }>();
  for (const [code, client] of clients) {
    const outbound = sent.filter((s) => s.from === code).map((s) => s.id);
    if (outbound.length > 0) {
      const { rows } = await client.query(
        `SELECT id, ${ms('created_at')} AS created, ${ms('sent_at')} AS sent, ${ms('delivered_at')} AS delivered
         FROM messages WHERE id = ANY($1::uuid[]) AND status = 'DELIVERED'`,
        [outbound],
      );
      for (const row of rows) {
        atSender.set(row.id, { createdAt: row.created, sentAt: row.sent, deliveredAt: row.delivered });
      }
    }
    const inbound = sent.filter((s) => s.to === code).map((s) => s.id);
    if (inbound.length > 0) {
      const { rows } = await client.query(
        `SELECT m.id, ${ms('m.created_at')} AS received, ${ms('o.published_at')} AS receipt_sent
         FROM messages m
         JOIN inbox i ON i.message_id = m.id::text
         JOIN outbox o ON o.message_id = i.response_id
         WHERE m.id = ANY($1::uuid[])`,
        [inbound],
      );
      for (const row of rows)
        atReceiver.set(row.id, { receivedAt: row.received, receiptSentAt: row.receipt_sent });
      const audited = await client.query(
        `SELECT message_id, ${ms('at')} AS applied FROM audit_log
         WHERE action = 'MESSAGE_RECEIVED' AND message_id = ANY($1::text[])`,
        [inbound],
      );
      for (const row of audited.rows) {
        const receiver = atReceiver.get(row.message_id);
        if (receiver) receiver.appliedAt = row.applied;
      }
    }
  }
  return sent.map((s) => {
    const sender = atSender.get(s.id);
    const receiver = atReceiver.get(s.id);
    if (!sender || receiver?.appliedAt === undefined)
      throw new Error(`message ${s.id} has no complete record at ${s.from} and ${s.to}`);
    return { ...sender, ...receiver, appliedAt: receiver.appliedAt };
  });
}

/**
 * Where a hop spends its time. The stamps are transaction start times (PostgreSQL now()), so each stage
 * includes the work done inside the transaction that starts the next one.
 */
export function stageSummary(timings: HopTiming[]): Record<string, { p50: number; p99: number }> {
  const stage = (pick: (t: HopTiming) => number): { p50: number; p99: number } => {
    const summary = summarize(timings.map(pick));
    return { p50: summary.p50Ms, p99: summary.p99Ms };
  };
  return {
    senderOutboxWait: stage((t) => t.sentAt - t.createdAt),
    brokerAndReceiverQueue: stage((t) => t.receivedAt - t.sentAt),
    receiverOutboxWait: stage((t) => t.receiptSentAt - t.receivedAt),
    receiptBackToSender: stage((t) => t.deliveredAt - t.receiptSentAt),
  };
}
