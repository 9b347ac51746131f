import type { MessageType } from '../../messages/message-types';

/** What a coordinator (or the node itself, for a consent withdrawal or a closure) asks to send. */
export interface SendMessageCommand {
  caseRef: string;
  type: MessageType;
  to: string;
  inReplyTo?: string | null;
  legalBasis: 'CONSENT' | 'VITAL_INTEREST';
  payload: unknown;
  /** Send without the field groups the consent does not cover, instead of refusing. */
  redact?: boolean;
  /** Use restrictions on the data (use-restriction.policy); left out: none. */
  restrictions?: readonly string[];
  /** The free text's language (ISO 639-1); default: this node's first language in the directory. */
  language?: string;
}
