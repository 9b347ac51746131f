import { examplePayload } from '../../src/messages/examples';
import { HTTP_CASES } from './http-corpus';
import { describeHttpCases, describeWireCases, hostileEnvironment } from './runner';
import { WIRE_CASES } from './wire-corpus';

/**
 * The corpus cases marked `bug`: each states the correct behaviour and fails until the bug is fixed. Kept
 * out of `npm test` (the file name does not match jest's testRegex) so the suite stays green; run with
 *
 *   npx jest --testRegex 'test/hostile/known-bugs\.e2e\.ts$'
 *
 * Once a bug is fixed, drop its `bug` mark: the case then runs in test/hostile-input.e2e-spec.ts.
 */
describe('known bugs on hostile input (real PostgreSQL and RabbitMQ)', () => {
  const env = hostileEnvironment();

  describe('through the HTTP API', () => {
    describeHttpCases(
      env,
      HTTP_CASES.filter((c) => c.bug),
    );
  });

  describe('straight onto the queue, as a foreign country', () => {
    describeWireCases(
      env,
      WIRE_CASES.filter((c) => c.bug),
    );

    it('a poison message does not hold back the later messages of its case', async () => {
      const caseRef = env.wire.nextCaseRef();
      // An unreadable body whose AMQP message_id holds a NUL: the rejection cannot be stored, ever.
      const body = Buffer.from('{');
      await env.publisher.publish({
        body,
        messageId: 'poison\u0000id',
        type: 'REFERRAL_REQUEST',
        correlationId: caseRef,
        headers: env.wire.italy.headers(body),
      });
      // Same case, so the same AMQP correlation_id: the consumer handles it after the poison message.
      const valid = env.wire.italy.wire({ caseRef, payload: examplePayload('REFERRAL_REQUEST') });
      await env.publisher.publish(valid);
      const reply = await env.italy.replyTo(valid.id, 10_000);
      expect(reply.envelope.type).toBe('DELIVERY_RECEIPT');
    });
  });
});
