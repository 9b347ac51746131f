import type { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { describe, sleep } from './amqp-connection';
import { Publisher } from './publisher';

/**
 * Republishes a refused delivery, untouched, to a dead-letter destination with the reason in headers; the
 * caller acks it afterwards. (A plain nack would dead-letter it too, but without saying why.) The original
 * user_id moves to a header because the broker only lets us publish under our own. False after five failed
 * attempts: the caller returns the delivery to its queue rather than lose it.
 */
export async function republishAsDeadLetter(
  publisher: Publisher,
  logger: Logger,
  target: { exchange: string; routingKey: string; messageId: string },
  message: ConsumeMessage,
  refusal: { code: string; reason: string },
  extraHeaders: Record<string, unknown>,
): Promise<boolean> {
  const { properties, fields } = message;
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await publisher.publish(target.exchange, target.routingKey, message.content, {
        messageId: target.messageId,
        correlationId: properties.correlationId,
        type: properties.type,
        contentType: properties.contentType,
        timestamp: properties.timestamp,
        headers: {
          ...(properties.headers ?? {}),
          'x-trm-reject-code': refusal.code,
          'x-trm-reject-reason': refusal.reason,
          'x-trm-original-routing-key': fields.routingKey,
          'x-trm-original-user-id': properties.userId ?? null,
          ...extraHeaders,
        },
      });
      return true;
    } catch (error) {
      logger.warn(`dead-lettering ${target.messageId || '?'} failed (${describe(error)}); retrying`);
      await sleep(500 * attempt);
    }
  }
  return false;
}
