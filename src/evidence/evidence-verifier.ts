/**
 * `npm run evidence:verify`: checks a case's evidence bundle offline, with the participants' public keys only.
 * Pure (node:crypto through the chain and signature helpers): the CLI reads the files, this decides.
 *
 * What it proves (docs/audit.md, "Evidence bundle per case"): every message and receipt is the exact body its
 * sender signed; the case's audit entries are the ones sealed at their positions, in that order, and link row
 * by row to the head; each checkpoint is the node's own signed statement, recorded in its chain, of a hash the
 * recomputed chain has at that position; and the messages are exactly those the case's entries name, in the
 * order they name them; a body the bundle says the case's erasure took is one the node received before the
 * erasure its chain records.
 */
import {
  canonicalForm,
  chainHashFromLeafHex,
  chainHashHex,
  ChainLink,
  GENESIS_HEX,
} from '../audit/audit-chain';
import { verify } from '../crypto/trm-crypto';
import {
  ChainRow,
  CheckpointRecord,
  EVIDENCE_FORMAT,
  EVIDENCE_VERSION,
  EvidenceBundle,
  isDisclosed,
  WireRecord,
} from './evidence-bundle';

/** Which part of the bundle a problem is in. */
export type EvidencePart =
  'format' | 'message' | 'receipt' | 'entry' | 'chain' | 'head' | 'checkpoint' | 'erasure';

export type EvidenceProblemKind =
  /** A body, an entry or a stated value is not what was signed or sealed. */
  | 'EDITED'
  /** Something the rest of the bundle names is missing. */
  | 'REMOVED'
  /** Something is there that nothing else in the bundle accounts for. */
  | 'INSERTED'
  /** Out of the order the chain gives. */
  | 'REORDERED'
  /** Signed with a key the directory does not name for its sender, or by a sender it does not list. */
  | 'UNKNOWN_KEY'
  /** Not a bundle this verifier can read. */
  | 'MALFORMED';

export interface EvidenceProblem {
  part: EvidencePart;
  kind: EvidenceProblemKind;
  /** The message id, or `position <n>`, concerned. */
  ref: string | null;
  detail: string;
}

/** A participant's signing key, from the directory file. */
export interface SigningKeys {
  get(country: string): { keyId: string; publicKey: string } | undefined;
}

export interface EvidenceReport {
  ok: boolean;
  caseRef: string | null;
  node: string | null;
  messages: number;
  receipts: number;
  caseEntries: number;
  chainRows: number;
  head: { pos: number; hash: string } | null;
  /** When the case was erased, as its CASE_ERASED entry says (null: not erased). */
  erasedAt: string | null;
  /** The received bodies that went with the case's key (`unavailable`, ERASED). */
  erasedBodies: number;
  /** The furthest chain position a verified peer checkpoint covers; case entries after it rest on the head alone. */
  witnessedUpTo: number | null;
  /** Case entries at positions no verified checkpoint covers yet. */
  entriesAfterWitness: number;
  checkpoints: Array<{ peer: string; pos: number; ok: boolean }>;
  problems: EvidenceProblem[];
}

const RECEIPT_TYPES = new Set(['DELIVERY_RECEIPT', 'DELIVERY_REJECTED']);
const HEX64 = /^[0-9a-f]{64}$/;

/** The fields of a disclosed entry that the checks read (canonical order: CANONICAL_FIELDS). */
interface DisclosedEntry {
  pos: number;
  seq: string;
  at: string;
  action: string;
  caseRef: string | null;
  messageId: string | null;
  messageType: string | null;
  details: Record<string, unknown>;
}

export function verifyEvidenceBundle(input: unknown, keys: SigningKeys): EvidenceReport {
  const problems: EvidenceProblem[] = [];
  const report: EvidenceReport = {
    ok: false,
    caseRef: null,
    node: null,
    messages: 0,
    receipts: 0,
    caseEntries: 0,
    chainRows: 0,
    head: null,
    erasedAt: null,
    erasedBodies: 0,
    witnessedUpTo: null,
    entriesAfterWitness: 0,
    checkpoints: [],
    problems,
  };
  const malformed = shapeProblem(input);
  if (malformed) {
    problems.push({ part: 'format', kind: 'MALFORMED', ref: null, detail: malformed });
    return report;
  }
  const bundle = input as EvidenceBundle;
  Object.assign(report, {
    caseRef: bundle.caseRef,
    node: bundle.node,
    messages: bundle.messages.length,
    receipts: bundle.receipts.length,
    chainRows: bundle.chain.rows.length,
    head: bundle.chain.head,
  });

  const chain = walkChain(bundle, problems);
  const caseEntries = chain.entries.filter((entry) => entry.caseRef === bundle.caseRef);
  report.caseEntries = caseEntries.length;

  const signatures = (record: WireRecord, part: EvidencePart) => checkWire(record, part, keys, problems);
  bundle.messages.forEach((record) => {
    if (signatures(record, 'message')) checkCaseMessage(bundle, record, 'message', problems);
  });
  bundle.receipts.forEach((record) => {
    if (signatures(record, 'receipt')) checkCaseMessage(bundle, record, 'receipt', problems);
  });
  checkReceiptsAnswer(bundle, problems);
  const erasure = checkErasure(bundle, caseEntries, problems);
  checkMessagesNamed(bundle, caseEntries, erasure, problems);
  report.erasedAt = erasure?.at ?? null;
  report.erasedBodies = bundle.unavailable.filter((u) => u.reason === 'ERASED').length;

  for (const checkpoint of bundle.checkpoints) {
    const ok = checkCheckpoint(bundle, checkpoint, chain, keys, problems);
    report.checkpoints.push({ peer: checkpoint.peer, pos: checkpoint.pos, ok });
    if (ok && (report.witnessedUpTo === null || checkpoint.pos > report.witnessedUpTo))
      report.witnessedUpTo = checkpoint.pos;
  }
  // A checkpoint's sending is shown in the chain only for a checkpoint the bundle holds.
  const held = new Set(bundle.checkpoints.map((c) => c.wire.messageId));
  for (const sent of chain.entries) {
    if (sent.action === 'AUDIT_CHECKPOINT_SENT' && sent.messageId && !held.has(sent.messageId))
      problems.push({
        part: 'checkpoint',
        kind: 'REMOVED',
        ref: sent.messageId,
        detail: `the chain shows it sent at position ${sent.pos}; the bundle no longer holds it`,
      });
  }
  report.entriesAfterWitness = caseEntries.filter(
    (entry) => report.witnessedUpTo === null || entry.pos > report.witnessedUpTo,
  ).length;
  report.ok = problems.length === 0;
  return report;
}

/** Enough shape to walk the bundle without crashing; every value is checked where it is used. */
function shapeProblem(input: unknown): string | null {
  if (!isObject(input)) return 'the bundle is not a JSON object';
  if (input.format !== EVIDENCE_FORMAT || input.version !== EVIDENCE_VERSION)
    return `not a ${EVIDENCE_FORMAT} version ${EVIDENCE_VERSION}`;
  if (typeof input.caseRef !== 'string' || typeof input.node !== 'string')
    return 'caseRef and node must be strings';
  for (const list of ['messages', 'receipts', 'unavailable', 'checkpoints'] as const) {
    if (!Array.isArray(input[list])) return `${list} must be a list`;
  }
  const wires = [
    ...(input.messages as unknown[]),
    ...(input.receipts as unknown[]),
    ...(input.checkpoints as unknown[]).map((c) => (isObject(c) ? c.wire : c)),
  ];
  if (!wires.every(isWireRecord)) return 'every message, receipt and checkpoint needs its wire record';
  if (
    !(input.checkpoints as unknown[]).every(
      (c) => isObject(c) && Number.isInteger(c.pos) && isHash(c.headHash) && typeof c.peer === 'string',
    )
  )
    return 'every checkpoint needs its peer, position and hash';
  if (
    !(input.unavailable as unknown[]).every(
      (u) => isObject(u) && typeof u.messageId === 'string' && typeof u.reason === 'string',
    )
  )
    return 'every unavailable message needs its id and reason';
  const erased = input.erased;
  if (!(
    erased === undefined ||
    erased === null ||
    (isObject(erased) && Number.isInteger(erased.pos) && typeof erased.at === 'string')
  ))
    return 'erased must be null or hold pos and at';
  const chain = input.chain;
  if (!isObject(chain) || !isHash(chain.prevHash) || !Array.isArray(chain.rows))
    return 'chain must hold prevHash and rows';
  if (!isObject(chain.head) || !Number.isInteger(chain.head.pos) || !isHash(chain.head.hash))
    return 'chain.head must hold pos and hash';
  if (chain.rows.length === 0) return 'the chain has no rows';
  const rowsOk = chain.rows.every(
    (row: unknown) =>
      isObject(row) &&
      Number.isInteger(row.pos) &&
      (row.link === 1 || row.link === 2) &&
      (typeof row.canonical === 'string'
        ? isHash(row.hash) && isHash(row.prevHash)
        : row.link === 2 && isHash(row.leaf)),
  );
  return rowsOk
    ? null
    : 'every chain row needs pos, link, and either canonical with prevHash and hash, or a leaf';
}

interface WalkedChain {
  /** The hash at each position, as recomputed (and at the position before the first row). */
  hashAt: Map<number, string>;
  entries: DisclosedEntry[];
}

/**
 * Recomputes the chain row by row from `prevHash`: a disclosed row from its entry (which must match the hash
 * it was sealed with), any other from its leaf. Positions must follow one another; the last must be the head.
 */
function walkChain(bundle: EvidenceBundle, problems: EvidenceProblem[]): WalkedChain {
  const { rows, head } = bundle.chain;
  const hashAt = new Map<number, string>();
  const entries: DisclosedEntry[] = [];
  let previous = bundle.chain.prevHash;
  let expected = rows[0].pos;
  let lastDisclosed = expected - 1;
  hashAt.set(expected - 1, previous);
  if (expected === 1 && previous !== GENESIS_HEX)
    problems.push({
      part: 'chain',
      kind: 'EDITED',
      ref: 'position 1',
      detail: 'the chain starts at position 1 but not from the genesis hash',
    });
  for (const row of rows) {
    const ref = `position ${row.pos}`;
    if (row.pos !== expected) {
      const reordered = row.pos < expected || rows.some((other) => other.pos === expected);
      problems.push({
        part: isDisclosed(row) ? 'entry' : 'chain',
        kind: reordered ? 'REORDERED' : 'REMOVED',
        ref,
        detail: reordered
          ? `position ${row.pos} comes where position ${expected} belongs: rows were reordered`
          : `positions ${expected}..${row.pos - 1} are missing: rows were removed`,
      });
    }
    expected = row.pos + 1;
    if (isDisclosed(row)) {
      const entry = parseEntry(row);
      if (!entry) {
        problems.push({
          part: 'entry',
          kind: 'MALFORMED',
          ref,
          detail: 'its canonical form is not an entry',
        });
      } else entries.push(entry);
      const at = entry ? `${ref} (seq ${entry.seq})` : ref;
      if (chainHashHex(row.prevHash, row.canonical, row.link as ChainLink) !== row.hash) {
        problems.push({
          part: 'entry',
          kind: 'EDITED',
          ref: at,
          detail: 'the entry no longer matches the hash it was sealed with',
        });
      } else if (previous !== row.prevHash) {
        problems.push({
          part: 'chain',
          kind: 'EDITED',
          ref: at,
          detail: `the rows since position ${lastDisclosed} no longer lead to the hash this entry was sealed on: a leaf or a row between was changed`,
        });
      }
      // Go on from the sealed hash: a later break is then its own, not this one's echo.
      previous = row.hash;
      lastDisclosed = row.pos;
    } else previous = chainHashFromLeafHex(previous, row.leaf);
    hashAt.set(row.pos, previous);
  }
  const last = rows[rows.length - 1];
  if (last.pos !== head.pos || previous !== head.hash) {
    problems.push({
      part: 'head',
      kind: 'EDITED',
      ref: `position ${head.pos}`,
      detail:
        last.pos !== head.pos
          ? `the rows end at position ${last.pos}, the head is at ${head.pos}`
          : `the chain recomputes to ${previous.slice(0, 12)}… at the head; the bundle states ${head.hash.slice(0, 12)}…`,
    });
  }
  return { hashAt, entries };
}

/** The fields the checks need, from a canonical form: [1, seq, at, action, actor, caseRef, messageId, …, details]. */
function parseEntry(row: Extract<ChainRow, { canonical: string }>): DisclosedEntry | null {
  let values: unknown;
  try {
    values = JSON.parse(row.canonical);
  } catch {
    return null;
  }
  if (!Array.isArray(values) || values.length !== 13) return null;
  // The form must be the canonical one, or two spellings of one entry could carry different hashes.
  if (canonicalForm(values.slice(1) as Array<string | null>) !== row.canonical) return null;
  let details: unknown;
  try {
    details = values[12] === null ? {} : JSON.parse(String(values[12]));
  } catch {
    return null;
  }
  return {
    pos: row.pos,
    seq: String(values[1]),
    at: String(values[2]),
    action: String(values[3]),
    caseRef: typeof values[5] === 'string' ? values[5] : null,
    messageId: typeof values[6] === 'string' ? values[6] : null,
    messageType: typeof values[7] === 'string' ? values[7] : null,
    details: isObject(details) ? details : {},
  };
}

/** The body is what its sender signed, with the key the directory names; the record says what the body says. */
function checkWire(
  record: WireRecord,
  part: EvidencePart,
  keys: SigningKeys,
  problems: EvidenceProblem[],
): boolean {
  const ref = record.messageId;
  const key = keys.get(record.from);
  if (!key || key.keyId !== record.keyId) {
    problems.push({
      part,
      kind: 'UNKNOWN_KEY',
      ref,
      detail: key
        ? `signed with key ${record.keyId}; the directory names ${key.keyId} for ${record.from}`
        : `the directory does not list ${record.from}`,
    });
    return false;
  }
  const body = Buffer.from(record.body, 'base64');
  if (body.toString('base64') !== record.body || !verify(body, record.signature, key.publicKey)) {
    problems.push({
      part,
      kind: 'EDITED',
      ref,
      detail: `the signature does not verify over the body with ${record.from}'s key: the body or the signature was changed`,
    });
    return false;
  }
  const envelope = parseJson(body.toString('utf8'));
  const stated = { id: record.messageId, type: record.type, from: record.from, to: record.to };
  const differs = Object.entries(stated).find(([field, value]) => envelope?.[field] !== value);
  if (differs) {
    problems.push({
      part,
      kind: 'EDITED',
      ref,
      detail: `the record says ${differs[0]} ${String(differs[1])}; the signed body says ${String(envelope?.[differs[0]])}`,
    });
    return false;
  }
  return true;
}

/** A signed message of this case, in the right list, in the right direction. */
function checkCaseMessage(
  bundle: EvidenceBundle,
  record: WireRecord,
  part: 'message' | 'receipt',
  problems: EvidenceProblem[],
): void {
  const envelope = parseJson(Buffer.from(record.body, 'base64').toString('utf8'))!;
  const direction = record.from === bundle.node ? 'OUTBOUND' : record.to === bundle.node ? 'INBOUND' : null;
  const wrong =
    envelope.caseRef !== bundle.caseRef
      ? `it belongs to case ${String(envelope.caseRef)}`
      : RECEIPT_TYPES.has(record.type) !== (part === 'receipt')
        ? `a ${record.type} listed among the ${part}s`
        : direction !== record.direction
          ? `it is not ${record.direction.toLowerCase()} for ${bundle.node}`
          : null;
  if (wrong) problems.push({ part, kind: 'INSERTED', ref: record.messageId, detail: wrong });
}

/** Every receipt answers a message of the bundle (the signed `inReplyTo`). */
function checkReceiptsAnswer(bundle: EvidenceBundle, problems: EvidenceProblem[]): void {
  const known = new Set([
    ...bundle.messages.map((m) => m.messageId),
    ...bundle.unavailable.map((m) => m.messageId),
  ]);
  for (const receipt of bundle.receipts) {
    const envelope = parseJson(Buffer.from(receipt.body, 'base64').toString('utf8'));
    const answers = envelope?.inReplyTo;
    if (typeof answers === 'string' && !known.has(answers))
      problems.push({
        part: 'receipt',
        kind: 'REMOVED',
        ref: receipt.messageId,
        detail: `it answers message ${answers}, which the bundle does not hold`,
      });
  }
}

/**
 * The bundle says the case was erased exactly when the chain shows the case's CASE_ERASED entry, and says it
 * as that entry does. Returns the entry.
 */
function checkErasure(
  bundle: EvidenceBundle,
  caseEntries: DisclosedEntry[],
  problems: EvidenceProblem[],
): DisclosedEntry | null {
  const entry = caseEntries.find((e) => e.action === 'CASE_ERASED') ?? null;
  const stated = bundle.erased ?? null;
  const problem = (kind: EvidenceProblemKind, detail: string) =>
    problems.push({ part: 'erasure', kind, ref: `position ${entry?.pos ?? stated?.pos}`, detail });
  if (entry && !stated)
    problem(
      'REMOVED',
      `the chain records the case's erasure at position ${entry.pos}; the bundle does not say it`,
    );
  else if (!entry && stated)
    problem(
      'INSERTED',
      'the bundle says the case was erased; no CASE_ERASED entry of the case is in the chain',
    );
  else if (entry && stated && (stated.pos !== entry.pos || stated.at !== entry.at))
    problem(
      'EDITED',
      `the bundle says erased at position ${stated.pos} at ${stated.at}; the chain says position ${entry.pos} at ${entry.at}`,
    );
  return entry;
}

/**
 * The messages are exactly those the case's entries name (queued, published, received, and the receipts a
 * received message was answered with), each listed once, in the order the chain first names them.
 */
function checkMessagesNamed(
  bundle: EvidenceBundle,
  caseEntries: DisclosedEntry[],
  erasure: DisclosedEntry | null,
  problems: EvidenceProblem[],
): void {
  const named: Array<{ id: string; receipt: boolean }> = [];
  const namedAt = new Map<string, number>();
  const name = (id: unknown, pos: number, receipt: boolean) => {
    if (typeof id !== 'string' || namedAt.has(id)) return;
    namedAt.set(id, pos);
    named.push({ id, receipt });
  };
  for (const entry of caseEntries) {
    if (['MESSAGE_QUEUED', 'MESSAGE_PUBLISHED', 'MESSAGE_RECEIVED'].includes(entry.action))
      name(entry.messageId, entry.pos, RECEIPT_TYPES.has(entry.messageType ?? ''));
    if (entry.action === 'MESSAGE_RECEIVED') name(entry.details.receiptId, entry.pos, true);
  }
  const held = new Map<string, 'message' | 'receipt' | 'unavailable'>();
  const lists = [
    ['message', bundle.messages],
    ['receipt', bundle.receipts],
    ['unavailable', bundle.unavailable],
  ] as const;
  for (const [part, list] of lists) {
    for (const { messageId } of list) {
      if (held.has(messageId)) {
        problems.push({
          part: part === 'unavailable' ? 'message' : part,
          kind: 'INSERTED',
          ref: messageId,
          detail: 'listed twice',
        });
      }
      held.set(messageId, part);
      if (!namedAt.has(messageId))
        problems.push({
          part: part === 'unavailable' ? 'message' : part,
          kind: 'INSERTED',
          ref: messageId,
          detail: 'no audit entry of the case names it',
        });
    }
  }
  // Why a body is missing must agree with the chain: a cancelled message was never published; a body not
  // stored is one received before inbound bodies were kept; an erased one, received before the erasure (the
  // node's own bodies stay: a body it sent is never erased).
  const actions = new Map<string, Set<string>>();
  const receivedAt = new Map<string, number>();
  for (const entry of caseEntries) {
    if (!entry.messageId) continue;
    actions.set(entry.messageId, (actions.get(entry.messageId) ?? new Set()).add(entry.action));
    if (entry.action === 'MESSAGE_RECEIVED') receivedAt.set(entry.messageId, entry.pos);
  }
  for (const { messageId, reason } of bundle.unavailable) {
    const seen = actions.get(messageId) ?? new Set<string>();
    const received = receivedAt.get(messageId);
    const consistent =
      reason === 'NOT_SENT'
        ? seen.has('MESSAGE_CANCELLED') && !seen.has('MESSAGE_PUBLISHED')
        : reason === 'ERASED'
          ? erasure !== null && received !== undefined && received < erasure.pos
          : reason === 'NOT_STORED' && received !== undefined;
    if (!consistent)
      problems.push({
        part: 'message',
        kind: 'REMOVED',
        ref: messageId,
        detail: `listed as unavailable (${String(reason)}), which the case's audit entries contradict`,
      });
  }
  for (const { id, receipt } of named) {
    if (!held.has(id))
      problems.push({
        part: receipt ? 'receipt' : 'message',
        kind: 'REMOVED',
        ref: id,
        detail: `the audit entry at position ${namedAt.get(id)} names it; the bundle neither holds it nor says why not`,
      });
  }
  for (const [part, list] of [
    ['message', bundle.messages],
    ['receipt', bundle.receipts],
  ] as const) {
    const order = list.map((m) => namedAt.get(m.messageId)).filter((p): p is number => p !== undefined);
    const at = order.findIndex((pos, i) => i > 0 && pos < order[i - 1]);
    if (at > 0)
      problems.push({
        part,
        kind: 'REORDERED',
        ref: list[at].messageId,
        detail: `listed after a message the chain names later (positions ${order[at - 1]} then ${order[at]})`,
      });
  }
}

/**
 * A checkpoint is the node's signed AUDIT_CHECKPOINT to a peer; its chain records sending it (the
 * AUDIT_CHECKPOINT_SENT entry, disclosed, names the message, the position and the hash), and the recomputed
 * chain has that hash at that position. Its payload is sealed for the peer, which holds the same signed body
 * and confirms what it says with `audit:verify --peer`.
 */
function checkCheckpoint(
  bundle: EvidenceBundle,
  checkpoint: CheckpointRecord,
  chain: WalkedChain,
  keys: SigningKeys,
  problems: EvidenceProblem[],
): boolean {
  const ref = checkpoint.wire.messageId;
  const fail = (kind: EvidenceProblemKind, detail: string): false => {
    problems.push({ part: 'checkpoint', kind, ref, detail });
    return false;
  };
  if (!checkWire(checkpoint.wire, 'checkpoint', keys, problems)) return false;
  const { wire } = checkpoint;
  if (
    wire.type !== 'AUDIT_CHECKPOINT' ||
    wire.from !== bundle.node ||
    wire.to !== checkpoint.peer ||
    wire.direction !== 'OUTBOUND'
  )
    return fail('EDITED', `not an AUDIT_CHECKPOINT from ${bundle.node} to ${checkpoint.peer}`);
  const sent = chain.entries.find(
    (entry) => entry.action === 'AUDIT_CHECKPOINT_SENT' && entry.messageId === wire.messageId,
  );
  if (!sent) return fail('REMOVED', 'the chain holds no AUDIT_CHECKPOINT_SENT entry for it');
  if (Number(sent.details.seq) !== checkpoint.pos || sent.details.headHash !== checkpoint.headHash)
    return fail(
      'EDITED',
      `it states position ${checkpoint.pos} ${String(checkpoint.headHash).slice(0, 12)}…; the chain recorded sending position ${String(sent.details.seq)} ${String(sent.details.headHash).slice(0, 12)}…`,
    );
  const recomputed = chain.hashAt.get(checkpoint.pos);
  if (recomputed === undefined)
    return fail('REMOVED', `position ${checkpoint.pos} is outside the chain rows of the bundle`);
  if (recomputed !== checkpoint.headHash)
    return fail(
      'EDITED',
      `the chain recomputes to ${recomputed.slice(0, 12)}… at position ${checkpoint.pos}; the peer was sent ${checkpoint.headHash.slice(0, 12)}…`,
    );
  return true;
}

function isWireRecord(value: unknown): value is WireRecord {
  return (
    isObject(value) &&
    ['messageId', 'direction', 'type', 'from', 'to', 'keyId', 'body', 'signature'].every(
      (field) => typeof value[field] === 'string',
    )
  );
}

/** A SHA-256 as lowercase hex: what every hash of the bundle must be before it is hashed on. */
function isHash(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}
