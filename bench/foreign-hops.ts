import * as amqp from 'amqplib';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { v7 as uuidv7 } from 'uuid';
import type { LocalFederation } from '../scripts/lib/local-federation';
import { KeyStore } from '../src/crypto/key-store';
import { sealAad, verify } from '../src/crypto/trm-crypto';
import { CONSENT_SCOPES } from '../src/messages/envelope.dto';
import { examplePayload } from '../src/messages/examples';
import { encodeMessage, OutgoingMessage } from '../src/transport/envelope-codec';
import { inboxQueue, TRANSNATIONAL_EXCHANGE } from '../src/transport/topology';
import type { FloorParticipant } from './protocol-floor';
import { phaseResult, PhaseResult } from './stats';

/**
 * A receiving node's pipeline measured from a foreign participant (issue 13): a sender written from
 * PROTOCOL.md alone, with amqplib and the protocol's cryptography and nothing else, floods MK with
 * referrals (each case a REFERRAL_REQUEST, then CASE_UPDATEs) and takes MK's receipts back: it verifies
 * each receipt's signature and opens its payload, as the NestJS peer does. A hop: sealed and signed →
 * published → committed at MK (every check, gate and the audit on) → the receipt verified and opened here.
 * Only MK's node runs in the bench's process, so what is measured is one node's inbound pipeline, comparable
 * to the peer's two ends.
 */
export interface ForeignHopOptions {
  from: string;
  to: string;
  messages: number;
  /** Hops in flight at once. */
  concurrency: number;
  messagesPerCase: number;
  timeoutMs: number;
  /** Case numbers start here (a warm-up and the measured run must not share a case). */
  firstCase: number;
}

export async function measureForeignHops(
  federation: LocalFederation,
  options: ForeignHopOptions,
): Promise<PhaseResult> {
  const { from, to } = options;
  const keys = KeyStore.load(federation.keysDir, from);
  const participants = (
    JSON.parse(readFileSync(federation.directoryFile, 'utf8')) as { participants: FloorParticipant[] }
  ).participants;
  const recipient = participants.find((p) => p.code === to)!;
  const recipientSigningKey = recipient.signingKey.publicKey;
  const connection = await amqp.connect(federation.amqpUrl(from));
  connection.on('error', () => undefined);
  try {
    const publishing = await connection.createConfirmChannel();
    const consuming = await connection.createChannel();
    await consuming.prefetch(256);
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let failed: Error | null = null;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let next = 0;
    let inFlight = 0;

    const year = new Date().getUTCFullYear();
    const message = (n: number): OutgoingMessage => {
      const first = n % options.messagesPerCase === 0;
      const type = first ? 'REFERRAL_REQUEST' : 'CASE_UPDATE';
      return {
        id: uuidv7(),
        type,
        from,
        to,
        caseRef: `TRM-${from}-${year}-${String(options.firstCase + Math.floor(n / options.messagesPerCase)).padStart(6, '0')}`,
        inReplyTo: null,
        sentAt: new Date(),
        legalBasis: 'CONSENT',
        consent: {
          consentId: 'bench-consent',
          scopes: [...CONSENT_SCOPES],
          recipients: [from, to],
          givenBy: 'GUARDIAN',
          givenAt: new Date(Date.now() - 86_400_000).toISOString(),
        },
        payload: first ? examplePayload('REFERRAL_REQUEST') : { sop: 3, summary: `Update ${n}.` },
      };
    };
    // Messages of one case go out in order, without waiting for each other: MK applies them in arrival
    // order. The window bounds the hops in flight.
    const sendNext = (): void => {
      while (!failed && inFlight < options.concurrency && next < options.messages) {
        const outgoing = message(next++);
        inFlight += 1;
        sentAt.set(outgoing.id, performance.now());
        const wire = encodeMessage(outgoing, recipient, keys);
        publishing.publish(
          TRANSNATIONAL_EXCHANGE,
          wire.routingKey,
          wire.body,
          { ...wire.properties, headers: wire.headers, persistent: true, contentType: 'application/json' },
          (error) => {
            if (error) failed ??= new Error(`publish not confirmed: ${String(error)}`);
          },
        );
      }
    };

    await consuming.consume(inboxQueue(from), (delivery) => {
      if (!delivery) return;
      consuming.ack(delivery);
      try {
        const signature = String(delivery.properties.headers?.['x-trm-signature'] ?? '');
        if (!verify(delivery.content, signature, recipientSigningKey))
          throw new Error('a receipt whose signature does not verify');
        const envelope = JSON.parse(delivery.content.toString('utf8'));
        keys.open(envelope.sealed, sealAad(envelope)); // opened, as the peer opens its receipts
        if (envelope.type !== 'DELIVERY_RECEIPT')
          throw new Error(
            `${to} answered ${envelope.type}: ${delivery.content.toString('utf8').slice(0, 200)}`,
          );
        const started = sentAt.get(envelope.inReplyTo);
        if (started === undefined) return; // an answer to another run's message
        sentAt.delete(envelope.inReplyTo);
        latencies.push(performance.now() - started);
        inFlight -= 1;
        if (latencies.length === options.messages) done();
        else sendNext();
      } catch (error) {
        failed ??= error instanceof Error ? error : new Error(String(error));
        done();
      }
    });

    const began = performance.now();
    sendNext();
    const timer = setTimeout(() => {
      failed ??= new Error(`timed out with ${latencies.length} of ${options.messages} receipts`);
      done();
    }, options.timeoutMs);
    await finished;
    clearTimeout(timer);
    const elapsed = performance.now() - began;
    if (failed) throw failed;
    return phaseResult(`foreign sender → ${to}`, options.messages, elapsed, latencies, {
      driver: 'foreign',
      concurrency: options.concurrency,
      messagesPerCase: options.messagesPerCase,
    });
  } finally {
    await connection.close().catch(() => undefined);
  }
}
