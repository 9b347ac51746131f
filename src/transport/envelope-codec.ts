import { sealAad, seal, Sealed } from '../crypto/trm-crypto';
import { KeyStore } from '../crypto/key-store';
import type { Envelope } from '../messages/catalogue';
import { routingKey, MessageType } from '../messages/message-types';
import type { OutboxProperties } from './outbox.entity';

/** What the node wants to say, before sealing and signing. */
export interface OutgoingMessage {
  id: string;
  type: MessageType;
  from: string;
  to: string;
  caseRef: string | null;
  inReplyTo: string | null;
  sentAt: Date;
  legalBasis: Envelope['legalBasis'];
  consent?: Envelope['consent'];
  restrictions?: string[];
  /** The free text's language (docs/protocol.md, "Language of the free text"), only to who announces it. */
  language?: string;
  payload: object;
}

/** The exact bytes and AMQP properties the relay publishes. */
export interface WireMessage {
  routingKey: string;
  body: Buffer;
  headers: Record<string, string | number>;
  properties: OutboxProperties;
}

export interface Recipient {
  code: string;
  encryptionKey: { keyId: string; publicKey: string };
}

/** Seals the payload for the recipient, builds the envelope and signs its bytes (PROTOCOL.md, "Body"). */
export function encodeMessage(message: OutgoingMessage, recipient: Recipient, keys: KeyStore): WireMessage {
  const aad = sealAad(message);
  const sealed: Sealed = seal(
    Buffer.from(JSON.stringify(message.payload), 'utf8'),
    recipient.encryptionKey,
    aad,
  );
  const envelope = {
    version: 1,
    id: message.id,
    type: message.type,
    from: message.from,
    to: message.to,
    caseRef: message.caseRef,
    inReplyTo: message.inReplyTo,
    sentAt: message.sentAt.toISOString(),
    legalBasis: message.legalBasis,
    ...(message.consent ? { consent: message.consent } : {}),
    // Inside the signed body: a relay cannot strip or change them.
    ...(message.restrictions?.length ? { restrictions: message.restrictions } : {}),
    ...(message.language ? { language: message.language } : {}),
    sealed,
  };
  const body = Buffer.from(JSON.stringify(envelope), 'utf8');
  return {
    routingKey: routingKey(message.type, message.to, message.from),
    body,
    headers: {
      'x-trm-version': 1,
      'x-trm-key-id': keys.signingKeyId,
      'x-trm-signature': keys.sign(body),
    },
    properties: {
      messageId: message.id,
      // AUDIT_CHECKPOINT has no case; AMQP correlation_id is then left empty.
      correlationId: message.caseRef ?? '',
      type: message.type,
      userId: message.from,
      timestamp: Math.floor(message.sentAt.getTime() / 1000),
    },
  };
}
