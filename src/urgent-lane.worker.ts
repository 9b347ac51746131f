import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parentPort, workerData } from 'node:worker_threads';
import { AppModule } from './app.module';
import { nodeLogger } from './bootstrap';
import type { NodeConfig } from './config/config';
import { withLogContext } from './logging/log-context';
import { MetricsService } from './metrics/metrics.service';
import { DirectoryService } from './directory/directory.service';
import { InboxConsumer } from './transfers/inbox.consumer';
import type { FromUrgentLane, ToUrgentLane } from './transfers/urgent-lane-thread';
import { OutboxRelay } from './transport/outbox-relay';

/**
 * The urgent lane's thread (UrgentLaneThread starts it): another instance of the same node, built from the
 * same modules, so an alert is checked and applied exactly as on the main thread, with its own event loop,
 * broker connection and database pools. It consumes the urgent queue and relays the urgent lane's outbox
 * rows (alerts sent by this node) and nothing else: no HTTP, no routine lane (the main thread publishes
 * the receipts written here, kicked from here), no sealer, no schedules, no agency queues.
 */
async function run(): Promise<void> {
  const port = parentPort!;
  const post = (message: FromUrgentLane): void => port.postMessage(message);
  const config = (workerData as { config: NodeConfig }).config;
  await withLogContext({ node: config.country }, async () => {
    const app = await NestFactory.createApplicationContext(AppModule.forNode(config), {
      logger: nodeLogger(config),
      abortOnError: false,
    });
    const consumer = app.get(InboxConsumer);
    const metrics = app.get(MetricsService);
    const relay = app.get(OutboxRelay);
    const directory = app.get(DirectoryService);
    port.on('message', (message: ToUrgentLane) => {
      if (message.kind === 'kick') {
        relay.kick(message.lane);
      } else if (message.kind === 'directory') {
        // The main thread took a new version: the same file, so here it is taken as it is (not audited again).
        void directory.reload('request').then(
          ({ version }) => post({ kind: 'directory', version }),
          (error: unknown) =>
            new Logger('UrgentLaneThread').error(`directory not read again: ${(error as Error).message}`),
        );
      } else if (message.kind === 'counts') {
        void metrics.ownCounts().then((counts) => post({ kind: 'counts', id: message.id, counts }));
      } else {
        void consumer
          .stop()
          .then(() => app.close())
          .finally(() => port.close());
      }
    });
    relay.forwardKicks((lane) => post({ kind: 'kick', lane }));
    await consumer.start();
    post({ kind: 'ready', directoryVersion: directory.version });
  });
}

run().catch((error: unknown) =>
  parentPort!.postMessage({
    kind: 'failed',
    reason: error instanceof Error ? error.message : String(error),
  } satisfies FromUrgentLane),
);
