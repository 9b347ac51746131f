import type { Channel } from 'amqplib';
import { agencyReplyQueue, agencySubmissionsQueue, nationalExchange } from '../transport/national-exchange';

/** Refused submissions, with their reason in headers (the node's own dead-lettering and the broker's). */
export const nationalDeadQueue = (country: string): string => `trm.national.${country}.dead`;
export const SUBMISSIONS_DEAD_LETTER_KEY = 'dead.submissions';

export const submitKey = (agency: string): string => `submit.${agency}`;
export const replyKey = (agency: string): string => `reply.${agency}`;

/**
 * As the transnational lanes (PROTOCOL.md): quorum, a delivery limit, and at-least-once dead-lettering, so a
 * submission the node cannot handle ends in the dead-letter queue instead of looping or vanishing.
 */
export function submissionsQueueArguments(country: string): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': 5,
    'x-dead-letter-exchange': nationalExchange(country),
    'x-dead-letter-routing-key': SUBMISSIONS_DEAD_LETTER_KEY,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/** An agency's reply queue: quorum and durable; the agency reads it, nobody else. */
export const REPLY_QUEUE_ARGUMENTS: Record<string, unknown> = { 'x-queue-type': 'quorum' };

/**
 * The submissions queue, the national dead-letter queue and one reply queue per registered agency.
 * Idempotent: the node runs it on each (re)connect; `npm run agency:add` declares a new agency's queue.
 */
export async function assertAgencyTopology(
  channel: Channel,
  country: string,
  agencies: string[],
): Promise<void> {
  const exchange = nationalExchange(country);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const dead = nationalDeadQueue(country);
  await channel.assertQueue(dead, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(dead, exchange, 'dead.#');
  const submissions = agencySubmissionsQueue(country);
  await channel.assertQueue(submissions, { durable: true, arguments: submissionsQueueArguments(country) });
  await channel.bindQueue(submissions, exchange, 'submit.*');
  for (const agency of agencies) {
    const queue = agencyReplyQueue(country, agency);
    await channel.assertQueue(queue, { durable: true, arguments: REPLY_QUEUE_ARGUMENTS });
    await channel.bindQueue(queue, exchange, replyKey(agency));
  }
}
