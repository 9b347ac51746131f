import { validatePayload } from '../../src/messages/catalogue';
import { examplePayload } from '../../src/messages/examples';
import type { MessageType } from '../../src/messages/message-types';

type Path = Array<string | number>;

/** The example payload with the optional text fields it leaves out, so that every text field is present. */
export function fullExample(type: MessageType): Record<string, unknown> {
  const payload = examplePayload(type) as unknown as Record<string, unknown>;
  if (type === 'REFERRAL_REQUEST') {
    (payload.residenceInOrigin as Record<string, unknown>).address = 'Ulica 1, 1000 Skopje';
  }
  return payload;
}

const PROBE = `Probe <'";--> Ӂ`;

function stringLeaves(value: unknown, path: Path = []): Path[] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringLeaves(item, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, [...path, key]));
  }
  return [];
}

function setAt(root: unknown, path: Path, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

/**
 * Every free-text field of the example payload of `type`: the string leaves that accept arbitrary text
 * (names, descriptions, list items), as opposed to dates, codes and enumerations. Found by trying, so a
 * field added to the schema later is covered without editing this list.
 */
export function textFieldPaths(type: MessageType): Path[] {
  return stringLeaves(fullExample(type)).filter((path) => {
    const payload = fullExample(type);
    setAt(payload, path, PROBE);
    return validatePayload(type, payload, { legalBasis: 'CONSENT' }).ok;
  });
}

export function pathName(path: Path): string {
  return path.join('.');
}

/** The (full) example payload of `type` with text field number `i` set to `valueFor(i)`. */
export function withTextFields(type: MessageType, valueFor: (i: number) => string): Record<string, unknown> {
  const payload = fullExample(type);
  textFieldPaths(type).forEach((path, i) => setAt(payload, path, valueFor(i)));
  return payload;
}

/** The example payload of `type` with one field replaced (dotted path, numeric segments for array items). */
export function withField(type: MessageType, dotted: string, value: unknown): Record<string, unknown> {
  const payload = examplePayload(type) as unknown as Record<string, unknown>;
  setAt(
    payload,
    dotted.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
    value,
  );
  return payload;
}
