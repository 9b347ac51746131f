import type { Channel } from 'amqplib';

/** PROTOCOL.md, "Broker topology": every participant declares exactly these, or redeclaration fails. */
export const TRANSNATIONAL_EXCHANGE = 'trm.transnational';
export const DEAD_LETTER_EXCHANGE = 'trm.dead';

export const inboxQueue = (code: string): string => `trm.inbox.${code}`;
export const urgentQueue = (code: string): string => `trm.urgent.${code}`;
export const deadLetterQueue = (code: string): string => `trm.dead.${code}`;

export function laneQueueArguments(queue: string): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': 5,
    'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
    'x-dead-letter-routing-key': queue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/**
 * The shared exchanges are declared once by the broker's administrator (`npm run broker:setup`): a node
 * allowed to declare them could also delete them, and stop every country's traffic.
 */
export async function declareSharedExchanges(channel: Channel): Promise<void> {
  await channel.assertExchange(TRANSNATIONAL_EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'topic', { durable: true });
}

/**
 * One participant's three queues with their bindings, after checking that the shared exchanges exist.
 * Idempotent: every node runs it on each (re)connect.
 */
export async function assertParticipantTopology(channel: Channel, code: string): Promise<void> {
  await channel.checkExchange(TRANSNATIONAL_EXCHANGE);
  await channel.checkExchange(DEAD_LETTER_EXCHANGE);
  for (const [queue, lane] of [
    [inboxQueue(code), 'routine'],
    [urgentQueue(code), 'urgent'],
  ] as const) {
    await channel.assertQueue(queue, { durable: true, arguments: laneQueueArguments(queue) });
    await channel.bindQueue(queue, TRANSNATIONAL_EXCHANGE, `${lane}.${code}.#`);
  }
  const dead = deadLetterQueue(code);
  await channel.assertQueue(dead, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(dead, DEAD_LETTER_EXCHANGE, `trm.*.${code}`);
}
