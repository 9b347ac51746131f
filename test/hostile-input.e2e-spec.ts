import { examplePayload } from '../src/messages/examples';
import { HTTP_CASES } from './hostile/http-corpus';
import { describeHttpCases, describeWireCases, hostileEnvironment } from './hostile/runner';
import { pathName, textFieldPaths } from './hostile/text-fields';
import { WIRE_CASES } from './hostile/wire-corpus';

/**
 * Issue 5, hostile input: the corpus of test/hostile/ sent straight onto a node's queue as another country
 * would, and through a node's HTTP API. Each case gets its clear error (a DELIVERY_REJECTED with its reason
 * code and a dead letter, or an HTTP 4xx naming the fields), the node keeps serving, nothing already stored
 * changes, and a valid message right after goes through.
 */
describe('hostile input changes nothing (real PostgreSQL and RabbitMQ)', () => {
  const env = hostileEnvironment();

  it('the injection cases reach every text field of a referral', () => {
    expect(textFieldPaths('REFERRAL_REQUEST').map(pathName)).toEqual(
      expect.arrayContaining([
        'person.givenName',
        'person.familyName',
        'person.otherNames.0',
        'person.placeOfBirth',
        'residenceInOrigin.region',
        'residenceInOrigin.locality',
        'residenceInOrigin.address',
        'medical.conditions.0',
        'riskSummary.summary',
        'assistanceNeeds.0',
        'otherInformation',
        'placement.description',
      ]),
    );
  });

  describe('straight onto the queue, as a foreign country', () => {
    describeWireCases(env, WIRE_CASES);

    it('a poison message does not hold back the later messages of its case', async () => {
      const caseRef = env.wire.nextCaseRef();
      // An unreadable body whose AMQP message_id holds a NUL, which no text column can store.
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

  describe('through the HTTP API', () => {
    describeHttpCases(env, HTTP_CASES);
  });
});
