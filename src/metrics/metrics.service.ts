import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  MetricObjectWithValues,
  MetricValue,
  Registry,
} from 'prom-client';
import { DataSource } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { describe } from '../transport/amqp-connection';

/** Latency buckets, seconds: a hop takes milliseconds; a broker outage leaves rows for minutes. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

/** How far back the audit-derived counts look: cheap on the (action, at) index, and what an alert wants. */
const WINDOW = '1 hour';

/**
 * Prometheus metrics of one node (docs/operations.md), on a port of their own (TRM_METRICS_PORT), never on
 * the API's: they are for the operator's scraper, not for accounts of the API. A registry per node, since
 * several nodes may share a process. What happens in this process (relay and inbound latency, inbound
 * outcomes) is counted here; what the node as a whole holds (outbox, expectations, audit) is read from the
 * database at each scrape, so every instance of a node reports the same figures for those.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();
  private server: Server | null = null;
  /** Other threads of this instance (the urgent lane's): their own counts, added to ours at each scrape. */
  private readonly threads: Array<() => Promise<InstanceMetrics>> = [];

  readonly relayLatency = new Histogram({
    name: 'trm_relay_latency_seconds',
    help: 'From a message queued in the outbox to the broker confirming its publication (this instance)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly relayFailures = new Counter({
    name: 'trm_relay_publish_failures_total',
    help: 'Publications the broker did not confirm, to be retried (this instance)',
    registers: [this.registry],
  });

  readonly inboundLatency = new Histogram({
    name: 'trm_inbound_latency_seconds',
    help: 'From an inbound delivery taken up to its acknowledgement: checks, transaction, answer (this instance)',
    labelNames: ['outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** Counted as the copy is republished, so a dead letter whose audit entry failed is still counted. */
  readonly deadLetters = new Counter({
    name: 'trm_dead_letters_total',
    help:
      'Deliveries this instance moved to a dead-letter queue, by source (peer: trm.dead.<CC>; agency: the ' +
      "national exchange's submissions dead letters) and reason code",
    labelNames: ['source', 'reason'],
    registers: [this.registry],
  });

  readonly inboundDeliveries = new Counter({
    name: 'trm_inbound_deliveries_total',
    help: 'Inbound messages handled by this instance, by outcome and rejection reason code',
    labelNames: ['outcome', 'reason'],
    registers: [this.registry],
  });

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
  ) {
    const gauge = (name: string, help: string, labelNames: string[], read: (g: Gauge) => Promise<void>) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          this.reset();
          await read(this);
        },
      });
    const query = <T>(sql: string): Promise<T[]> => this.dataSource.query(sql);

    gauge(
      'trm_outbox_backlog',
      'Outbox rows not yet confirmed by the broker (the whole node)',
      [],
      async (g) => {
        const [row] = await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`,
        );
        g.set(row.n);
      },
    );
    gauge(
      'trm_outbox_oldest_unsent_age_seconds',
      'Age of the oldest outbox row not yet confirmed by the broker; 0 when there is none',
      [],
      async (g) => {
        const [row] = await query<{ age: number | null }>(
          `SELECT extract(epoch FROM now() - min(created_at))::float8 AS age FROM outbox WHERE published_at IS NULL`,
        );
        g.set(row.age ?? 0);
      },
    );
    gauge(
      'trm_deliveries_last_hour',
      'Messages delivered or rejected in the last hour, both directions, by reason code (audit log, the whole node)',
      ['direction', 'outcome', 'reason'],
      async (g) => {
        const rows = await query<{ action: string; reason: string; n: number }>(
          `SELECT action, coalesce(reason_code, '') AS reason, count(*)::int AS n FROM audit_log
           WHERE action IN ('RECEIPT_RECEIVED', 'REJECTION_RECEIVED', 'MESSAGE_RECEIVED', 'MESSAGE_REJECTED')
             AND at > now() - interval '${WINDOW}'
           GROUP BY 1, 2`,
        );
        for (const row of rows) {
          const [direction, outcome] = DELIVERY_ACTIONS[row.action];
          g.set({ direction, outcome, reason: row.reason }, row.n);
        }
      },
    );
    gauge(
      'trm_dead_letters_last_hour',
      'Inbound messages dead-lettered in the last hour, by reason code (audit log, the whole node)',
      ['reason'],
      async (g) => {
        const rows = await query<{ reason: string; n: number }>(
          `SELECT coalesce(reason_code, '') AS reason, count(*)::int AS n FROM audit_log
           WHERE action = 'MESSAGE_DEAD_LETTERED' AND at > now() - interval '${WINDOW}' GROUP BY 1`,
        );
        for (const row of rows) g.set({ reason: row.reason }, row.n);
      },
    );
    gauge(
      'trm_expectations_overdue',
      'Expected answers past their deadline: owed to this node by a peer (AWAITED) or by this node (OWED)',
      ['direction'],
      async (g) => {
        g.set({ direction: 'AWAITED' }, 0);
        g.set({ direction: 'OWED' }, 0);
        const rows = await query<{ direction: string; n: number }>(
          `SELECT direction, count(*)::int AS n FROM expectations WHERE status = 'OVERDUE' GROUP BY 1`,
        );
        for (const row of rows) g.set({ direction: row.direction }, row.n);
      },
    );
    gauge(
      'trm_audit_unsealed_entries',
      'Audit entries written after the last one the sealer chained (a few are normal; a growing number is not)',
      [],
      async (g) => {
        const [row] = await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_log
           WHERE seq > (SELECT coalesce(max(entry_seq), 0) FROM audit_chain)`,
        );
        g.set(row.n);
      },
    );
    gauge(
      'trm_peer_checkpoint_conflicts',
      "Peers' signed audit checkpoints that contradict one they signed before, by peer (ever; should be 0)",
      ['peer'],
      async (g) => {
        const rows = await query<{ peer: string; n: number }>(
          `SELECT coalesce(counterpart, '') AS peer, count(*)::int AS n FROM audit_log
           WHERE action = 'AUDIT_CHECKPOINT_CONFLICT' GROUP BY 1`,
        );
        for (const row of rows) g.set({ peer: row.peer }, row.n);
      },
    );
    gauge(
      'trm_peer_checkpoints_mismatched',
      '1 for a peer whose last check (audit:verify --peer, or a contradicting checkpoint) did not match its chain; 0 when it matched or was never checked',
      ['peer'],
      async (g) => {
        // The same verdict as GET /audit/chain/state's `matched` for each peer whose checkpoints this node keeps.
        const rows = await query<{ peer: string; mismatched: number }>(
          `SELECT p.peer, (v.action IS NOT NULL AND NOT (v.action = 'AUDIT_VERIFIED' AND v.decision = 'ALLOW'))::int
                    AS mismatched
           FROM (SELECT DISTINCT peer FROM audit_peer_checkpoints) p
           LEFT JOIN LATERAL (
             SELECT a.action, a.decision FROM audit_log a
             WHERE a.counterpart = p.peer AND a.action IN ('AUDIT_VERIFIED', 'AUDIT_CHECKPOINT_CONFLICT')
             ORDER BY a.at DESC, a.seq DESC LIMIT 1) v ON true`,
        );
        for (const row of rows) g.set({ peer: row.peer.trim() }, row.mismatched);
      },
    );
    gauge(
      'trm_agency_reply_backlog',
      "Replies to partner agencies not yet confirmed by the broker (the agencies' own outbox, the whole node)",
      [],
      async (g) => {
        const [row] = await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM agency_replies WHERE published_at IS NULL`,
        );
        g.set(row.n);
      },
    );
    gauge(
      'trm_agency_reply_oldest_unsent_age_seconds',
      'Age of the oldest reply to an agency not yet confirmed by the broker; 0 when there is none',
      [],
      async (g) => {
        const [row] = await query<{ age: number | null }>(
          `SELECT extract(epoch FROM now() - min(created_at))::float8 AS age FROM agency_replies WHERE published_at IS NULL`,
        );
        g.set(row.age ?? 0);
      },
    );
  }

  /** What this thread counted itself: every metric but the gauges (which read the database at each scrape). */
  async ownCounts(): Promise<InstanceMetrics> {
    const metrics = this.registry.getMetricsAsArray().map(({ name }) => this.registry.getSingleMetric(name)!);
    return Promise.all(metrics.filter((metric) => !(metric instanceof Gauge)).map((metric) => metric.get()));
  }

  /** Adds another thread's counts to this instance's scrape. */
  addThread(counts: () => Promise<InstanceMetrics>): void {
    this.threads.push(counts);
  }

  /** The scrape's text: this registry, with the other threads' counts summed in. */
  async scrape(): Promise<string> {
    if (this.threads.length === 0) return this.registry.metrics();
    const all = [
      await this.registry.getMetricsAsJSON(),
      ...(await Promise.all(this.threads.map((t) => t()))),
    ];
    return AggregatorRegistry.aggregate(all as MetricObjectWithValues<MetricValue<string>>[][]).metrics();
  }

  /** Where the metrics are served, once listening (`http://host:port/metrics`). */
  get url(): string | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? `http://${this.config.metricsHost}:${address.port}/metrics` : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.metricsPort === null) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.scrape().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (error: unknown) => {
          this.logger.warn(`metrics could not be collected: ${describe(error)}`);
          res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metricsPort!, this.config.metricsHost, () => resolve());
    });
    this.server = server;
    this.logger.log(`Prometheus metrics at ${this.url}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

export type InstanceMetrics = Array<MetricObjectWithValues<MetricValue<string>>>;

const DELIVERY_ACTIONS: Readonly<Record<string, [direction: string, outcome: string]>> = {
  RECEIPT_RECEIVED: ['OUTBOUND', 'DELIVERED'],
  REJECTION_RECEIVED: ['OUTBOUND', 'REJECTED'],
  MESSAGE_RECEIVED: ['INBOUND', 'ACCEPTED'],
  MESSAGE_REJECTED: ['INBOUND', 'REJECTED'],
};
