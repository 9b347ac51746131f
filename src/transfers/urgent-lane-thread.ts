import { Inject, Injectable, Logger } from '@nestjs/common';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { DirectoryService } from '../directory/directory.service';
import type { Lane } from '../messages/message-types';
import { InstanceMetrics, MetricsService } from '../metrics/metrics.service';
import { OutboxRelay } from '../transport/outbox-relay';

/** What the main thread tells the urgent lane's thread. */
export type ToUrgentLane =
  { kind: 'stop' } | { kind: 'counts'; id: number } | { kind: 'kick'; lane: Lane } | { kind: 'directory' };

/** What the urgent lane's thread tells the main thread. */
export type FromUrgentLane =
  | { kind: 'ready'; directoryVersion: number }
  | { kind: 'directory'; version: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'kick'; lane: Lane }
  | { kind: 'counts'; id: number; counts: InstanceMetrics };

/** A thread that stops faster than this is ended (its last connections die with it; nothing is unacked). */
const STOP_TIMEOUT_MS = 15_000;
/** A thread that ended by itself is started again after this long (the queue keeps the alerts meanwhile). */
const RESTART_DELAY_MS = 1_000;
/** The thread's own counts must come quickly, or the scrape goes on without them. */
const COUNTS_TIMEOUT_MS = 2_000;

/**
 * TRM_URGENT_LANE=thread (the default): the urgent lane runs in a worker thread of its own
 * (src/urgent-lane.worker.ts), so an alert is taken and applied on an event loop that carries nothing else,
 * whatever the main thread is doing with routine traffic, HTTP requests or its relay. The thread is another
 * instance of this node on the same database (docs/configuration.md, "Several instances of one node"):
 * the same modules and rules, its own connections. It is started with the TRM transport and closed before
 * the node's modules; if it ends by itself it is started again, and the alerts wait in their durable queue.
 */
@Injectable()
export class UrgentLaneThread {
  private readonly logger = new Logger(UrgentLaneThread.name);
  private worker: Worker | null = null;
  /** The current thread consumes the urgent queue. */
  private ready = false;
  /** The directory version the thread holds (it reads the file again whenever this thread accepts one). */
  private threadDirectory: number | null = null;
  private stopping = false;
  private restart: NodeJS.Timeout | null = null;
  private nextCountsId = 0;
  private readonly pendingCounts = new Map<number, (counts: InstanceMetrics) => void>();

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly relay: OutboxRelay,
    metrics: MetricsService,
    directory: DirectoryService,
  ) {
    if (!this.enabled) return;
    metrics.addThread(() => this.counts());
    // The thread does not poll the directory file: it reads it again when this thread accepts a version.
    directory.onAccepted(() => this.worker?.postMessage({ kind: 'directory' } satisfies ToUrgentLane));
  }

  /** The directory version the urgent lane's thread holds; null while it has none. */
  get directoryVersion(): number | null {
    return this.threadDirectory;
  }

  get enabled(): boolean {
    return this.config.urgentLane === 'thread' && !this.config.urgentLaneOnly;
  }

  /** For /health/ready: where alerts are taken now. */
  get state(): 'thread' | 'inline' | 'down' {
    if (!this.enabled) return 'inline';
    return this.ready ? 'thread' : 'down';
  }

  /**
   * Resolves once the thread is up and consumes the urgent queue (at once, or as soon as its own broker
   * connection opens); rejects if it could not start.
   */
  async start(): Promise<void> {
    if (!this.enabled) return;
    this.stopping = false;
    // An alert sent from here is relayed by the thread: its kick goes there.
    this.relay.forwardKicks((lane) =>
      this.worker?.postMessage({ kind: 'kick', lane } satisfies ToUrgentLane),
    );
    await this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restart) clearTimeout(this.restart);
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ kind: 'stop' } satisfies ToUrgentLane);
    const timer = setTimeout(() => {
      this.logger.warn('urgent lane thread did not stop in time: ended');
      void worker.terminate();
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private launch(): Promise<void> {
    const extension = path.extname(__filename);
    const worker = new Worker(path.join(__dirname, '..', `urgent-lane.worker${extension}`), {
      workerData: { config: this.threadConfig() },
      // From sources (ts-node, jest), the thread compiles its TypeScript the same way.
      execArgv: extension === '.ts' ? ['--require', 'ts-node/register/transpile-only'] : [],
    });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromUrgentLane) => {
        if (message.kind === 'ready') {
          started = true;
          this.ready = true;
          this.threadDirectory = message.directoryVersion;
          this.logger.log('urgent lane consumed in its own thread');
          resolve();
        } else if (message.kind === 'failed') {
          this.logger.error(`urgent lane thread could not start: ${message.reason}`);
          void worker.terminate();
          if (!started) reject(new Error(`the urgent lane's thread could not start: ${message.reason}`));
        } else if (message.kind === 'kick') {
          this.relay.kick(message.lane);
        } else if (message.kind === 'directory') {
          this.threadDirectory = message.version;
        } else {
          this.pendingCounts.get(message.id)?.(message.counts);
        }
      });
      worker.on('error', (error) => this.logger.error(`urgent lane thread failed: ${error.message}`));
      worker.once('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        this.ready = false;
        if (!started) reject(new Error(`the urgent lane's thread ended while starting (code ${code})`));
        else if (!this.stopping) this.relaunchLater(code);
      });
    });
  }

  private relaunchLater(code: number): void {
    this.logger.error(`urgent lane thread ended (code ${code}); starting it again`);
    this.restart = setTimeout(() => {
      this.restart = null;
      if (this.stopping) return;
      this.launch().catch(() => this.relaunchLater(-1));
    }, RESTART_DELAY_MS);
  }

  /**
   * The same node, consuming and relaying the urgent lane only (lanesHandledHere); what runs once per node
   * stays on the main thread.
   */
  private threadConfig(): NodeConfig {
    return {
      ...this.config,
      urgentLaneOnly: true,
      metricsPort: null,
      directoryPollMs: 0,
      auditCheckpointIntervalMs: 0,
      expectationCheckIntervalMs: 0,
    };
  }

  /** The thread's own counters, for the node's metrics; none while it is not running. */
  private counts(): Promise<InstanceMetrics> {
    const worker = this.worker;
    if (!worker) return Promise.resolve([]);
    const id = this.nextCountsId++;
    return new Promise<InstanceMetrics>((resolve) => {
      const timer = setTimeout(() => done([]), COUNTS_TIMEOUT_MS);
      const done = (counts: InstanceMetrics): void => {
        clearTimeout(timer);
        this.pendingCounts.delete(id);
        resolve(counts);
      };
      this.pendingCounts.set(id, done);
      worker.postMessage({ kind: 'counts', id } satisfies ToUrgentLane);
    });
  }
}
