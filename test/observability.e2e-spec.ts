import * as amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { examplePayload } from '../src/messages/examples';
import { routingKey } from '../src/messages/message-types';
import { MetricsService } from '../src/metrics/metrics.service';
import { deadLetterQueue, TRANSNATIONAL_EXCHANGE } from '../src/transport/topology';
import { api, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

interface LogLine {
  level: string;
  context?: string;
  message: string;
  node?: string;
  requestId?: string;
  messageId?: string;
  caseRef?: string;
  peer?: string;
}

/**
 * Issue 14: JSON log lines carry the request id, message id, case reference and peer as fields, so one
 * referral can be followed from the sender to the receiver; each HTTP request has an id, echoed in
 * X-Request-Id; Prometheus metrics are served on a port of their own.
 */
describe('observability: JSON logs, request ids, metrics (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'debug' });
  let fr: RunningNode;
  let mk: RunningNode;
  const written: string[] = [];
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    await federation.setUp();
    const options = { logFormat: 'json' as const, metricsPort: 0 };
    fr = await federation.start('FR', options);
    mk = await federation.start('MK', options);
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(chunk.toString());
      return true;
    });
  });

  afterAll(async () => {
    spy?.mockRestore();
    await federation.tearDown();
  });

  const lines = (): LogLine[] =>
    written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);

  const metricsOf = (node: RunningNode): string => node.app!.get(MetricsService).url!;
  const scrape = async (node: RunningNode): Promise<string> => (await fetch(metricsOf(node))).text();
  /** The value of one series, or undefined when the scrape does not have it. */
  const sample = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('gives every request an id, echoed in X-Request-Id and on its log line; a hostile one is replaced', async () => {
    const own = await fetch(`${fr.url}/health/live`, { headers: { 'x-request-id': 'lb-7f3a.42' } });
    expect(own.headers.get('x-request-id')).toBe('lb-7f3a.42');
    const fresh = await fetch(`${fr.url}/health/live`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await fetch(`${fr.url}/health/live`, { headers: { 'x-request-id': '<b>Petrovska</b>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const access = await eventually(
      async () => lines().find((l) => l.context === 'HTTP' && l.requestId === 'lb-7f3a.42'),
      5_000,
      'the access line',
    );
    expect(access).toMatchObject({
      level: 'log',
      node: 'FR',
      message: expect.stringMatching(/^GET \/health\/live 200 /),
    });
    expect(written.join('')).not.toContain('Petrovska');
  });

  it('lets one referral be followed from FR to MK by its message id, without personal data', async () => {
    const caseRef = await openSharableCase(fr);
    const payload = examplePayload('REFERRAL_REQUEST');
    const sent = await sendMessage(fr, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK', payload });
    expect(sent.status).toBe(202);
    const id = sent.body.id as string;
    await waitDelivered(fr, id);

    const published = await eventually(
      async () => lines().find((l) => l.messageId === id && l.context === 'OutboxRelay'),
      5_000,
      'the relay line',
    );
    expect(published).toMatchObject({
      node: 'FR',
      caseRef,
      peer: 'MK',
      message: expect.stringContaining(id),
    });
    const received = lines().find((l) => l.messageId === id && l.context === 'InboxConsumer');
    expect(received).toMatchObject({
      node: 'MK',
      caseRef,
      peer: 'FR',
      message: expect.stringContaining('ACCEPTED'),
    });
    // The send's own request: its access line has a request id, and so does every line it caused.
    expect(lines().filter((l) => l.message.startsWith('POST /cases/:caseRef/messages 202'))).toHaveLength(1);

    const text = written.join('');
    for (const secret of [
      payload.person.givenName,
      payload.person.familyName,
      payload.person.dateOfBirth ?? '',
    ])
      expect(text).not.toContain(secret);
  });

  it('serves the metrics on their own port, not on the API', async () => {
    expect(metricsOf(fr)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await api(fr, 'GET', '/metrics')).status).toBe(404);

    const atFr = await eventually(
      async () => {
        const text = await scrape(fr);
        return sample(
          text,
          'trm_deliveries_last_hour{direction="OUTBOUND",outcome="DELIVERED",reason=""}',
        ) === 1
          ? text
          : undefined;
      },
      10_000,
      'the delivery counted',
    );
    expect(sample(atFr, 'trm_outbox_backlog')).toBe(0);
    expect(sample(atFr, 'trm_outbox_oldest_unsent_age_seconds')).toBe(0);
    expect(sample(atFr, 'trm_relay_latency_seconds_count')).toBe(1);
    expect(sample(atFr, 'trm_relay_publish_failures_total')).toBe(0);
    expect(sample(atFr, 'trm_expectations_overdue{direction="AWAITED"}')).toBe(0);
    expect(sample(atFr, 'trm_audit_unsealed_entries')).toEqual(expect.any(Number));
    expect(atFr).toContain('# TYPE trm_peer_checkpoint_conflicts gauge');
    expect(atFr).toContain('# TYPE trm_dead_letters_last_hour gauge');

    const atMk = await scrape(mk);
    expect(sample(atMk, 'trm_inbound_deliveries_total{outcome="ACCEPTED",reason=""}')).toBe(1);
    expect(sample(atMk, 'trm_inbound_latency_seconds_count{outcome="ACCEPTED"}')).toBe(1);
    expect(sample(atMk, 'trm_deliveries_last_hour{direction="INBOUND",outcome="ACCEPTED",reason=""}')).toBe(
      1,
    );
    expect(sample(atMk, 'trm_expectations_overdue{direction="OWED"}')).toBe(0);
  });

  it("reports a peer whose checkpoints did not match its chain, and agencies' replies not yet sent", async () => {
    const before = await scrape(fr);
    expect(sample(before, 'trm_agency_reply_backlog')).toBe(0);
    expect(sample(before, 'trm_agency_reply_oldest_unsent_age_seconds')).toBe(0);

    // A checkpoint MK sent, then a check of MK's chain against it that failed (as audit:verify --peer
    // --record writes it), then one that matched.
    await federation.query(
      'FR',
      `INSERT INTO audit_peer_checkpoints (peer, message_id, seq, head_hash, signed_at, key_id, body, signature)
       VALUES ('MK', gen_random_uuid(), 7, repeat('b', 64), now(), 'MK-sig-1', '\\x00', 'signature')`,
    );
    const verified = (decision: string): Promise<unknown> =>
      federation.query(
        'FR',
        `INSERT INTO audit_log (at, action, actor, counterpart, decision, reason_code, details)
         VALUES (clock_timestamp(), 'AUDIT_VERIFIED', 'audit-verify', 'MK', $1, NULL, '{}')`,
        [decision],
      );
    await verified('DENY');
    expect(sample(await scrape(fr), 'trm_peer_checkpoints_mismatched{peer="MK"}')).toBe(1);
    await verified('ALLOW');
    expect(sample(await scrape(fr), 'trm_peer_checkpoints_mismatched{peer="MK"}')).toBe(0);

    // A reply held for a switched-off agency waits in the agencies' outbox.
    await federation.query(
      'FR',
      `INSERT INTO agencies (code, name, broker_user, signing_key_id, signing_public_key, encryption_key_id,
                             encryption_public_key, active)
       VALUES ('ngo-metrics', 'NGO', 'FR.ngo-metrics.' || md5(random()::text), 'k1', 'x', 'k2', 'y', false)`,
    );
    await federation.query(
      'FR',
      `INSERT INTO agency_replies (reply_id, agency, kind, body, headers, created_at)
       VALUES (gen_random_uuid(), 'ngo-metrics', 'RECEIPT', '\\x00', '{}', now() - interval '90 seconds')`,
    );
    const after = await scrape(fr);
    expect(sample(after, 'trm_agency_reply_backlog')).toBe(1);
    expect(sample(after, 'trm_agency_reply_oldest_unsent_age_seconds')).toBeGreaterThanOrEqual(90);
  });

  it('counts a real dead letter, by reason, as it goes into trm.dead.FR', async () => {
    // MK's broker user publishes to FR a message whose signature is not MK's: FR rejects and dead-letters it.
    const id = randomUUID();
    const body = Buffer.from(
      JSON.stringify({ version: 1, id, type: 'REFERRAL_REQUEST', from: 'MK', to: 'FR', caseRef: null }),
    );
    const connection = await amqp.connect(federation.amqpUrl('MK'));
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(TRANSNATIONAL_EXCHANGE, routingKey('REFERRAL_REQUEST', 'FR', 'MK'), body, {
        persistent: true,
        messageId: id,
        type: 'REFERRAL_REQUEST',
        userId: 'MK',
        contentType: 'application/json',
        headers: { 'x-trm-version': 1, 'x-trm-key-id': 'MK-sig-1', 'x-trm-signature': 'bm90IE1LJ3M=' },
      });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    const [{ reason }] = await eventually(
      async () => {
        const rows = await federation.query<{ reason: string }>(
          'FR',
          `SELECT reason_code AS reason FROM audit_log WHERE action = 'MESSAGE_DEAD_LETTERED' AND message_id = $1`,
          [id],
        );
        return rows.length > 0 ? rows : undefined;
      },
      15_000,
      'the dead letter audited',
    );
    expect(reason).toMatch(/^[A-Z_]+$/);
    // The copy is really in the dead-letter queue, with that reason.
    const copy = await federation.withAdminChannel((channel) =>
      channel.get(deadLetterQueue('FR'), { noAck: true }),
    );
    expect(copy && copy.properties.messageId).toBe(id);
    expect(copy && copy.properties.headers?.['x-trm-reject-code']).toBe(reason);

    const text = await scrape(fr);
    expect(sample(text, `trm_dead_letters_total{source="peer",reason="${reason}"}`)).toBe(1);
    expect(sample(text, `trm_dead_letters_last_hour{reason="${reason}"}`)).toBe(1);
    expect(sample(text, `trm_inbound_deliveries_total{outcome="REJECTED",reason="${reason}"}`)).toBe(1);
  });

  it('counts an unsent row and its age while the relay cannot publish', async () => {
    await federation.stop('FR');
    fr = await federation.start('FR', { logFormat: 'json', metricsPort: 0, outboxRelay: false });
    const caseRef = await openSharableCase(fr);
    const sent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect(sent.status).toBe(202);
    const text = await eventually(
      async () => {
        const scraped = await scrape(fr);
        return (sample(scraped, 'trm_outbox_oldest_unsent_age_seconds') ?? 0) > 0 ? scraped : undefined;
      },
      10_000,
      'an unsent row with an age',
    );
    expect(sample(text, 'trm_outbox_backlog')).toBe(1);
  });
});
