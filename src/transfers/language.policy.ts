import { isTechnicalType, MessageType } from '../messages/message-types';

/**
 * The language of a message's free text (docs/protocol.md, "Language of the free text"): an optional
 * envelope member, a compatible v1 extension. A receiver that does not know it would refuse the envelope
 * (closed objects), so a sender writes it only to a participant whose directory entry lists
 * `"LANGUAGE"` among its `extensions` (src/directory/directory-file.dto.ts).
 */
/** ISO 639-1: two lower-case letters. */
export const ISO_639_1 = /^[a-z]{2}$/;

export interface LanguageFacts {
  type: MessageType;
  /** What the coordinator picked, if anything. */
  chosen?: string;
  /** This node's own languages in the directory, the first being the one it writes in by default. */
  own: readonly string[];
  /** The recipient's directory `extensions`. */
  recipientExtensions: readonly string[] | undefined;
}

/** The envelope's `language`, or undefined when the message carries none. */
export function envelopeLanguage(facts: LanguageFacts): string | undefined {
  if (isTechnicalType(facts.type)) return undefined;
  if (!facts.recipientExtensions?.includes('LANGUAGE')) return undefined;
  const language = facts.chosen ?? facts.own.find((l) => ISO_639_1.test(l));
  return language && ISO_639_1.test(language) ? language : undefined;
}

/** Whether the receiver lists the language the free text is written in (else the console warns). */
export function receiverReads(language: string | undefined, receiverLanguages: readonly string[]): boolean {
  return language === undefined || receiverLanguages.includes(language);
}
