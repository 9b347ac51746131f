/**
 * `audit:verify --peer <CC>`: proves that a peer's current chain still extends every checkpoint it signed
 * and sent us. Pure apart from node:crypto: the CLI supplies the stored checkpoints, the peer's directory key,
 * our own key store (the checkpoint payload is sealed for us) and the peer's chain rows.
 */
import type { Sealed } from '../crypto/trm-crypto';
import { sealAad, verify } from '../crypto/trm-crypto';

export interface StoredCheckpoint {
  peer: string;
  messageId: string;
  seq: string;
  headHash: string;
  signedAt: string;
  keyId: string;
  body: Buffer;
  signature: string;
}

export interface PeerChainRow {
  pos: string;
  entrySeq: string;
  prevHash: string;
  hash: string;
}

export type PeerProblemKind =
  /** The stored checkpoint is not what the peer signed: bad signature, other key, or other contents. */
  | 'FORGED'
  /** The peer signed two different hashes for one position, or a shorter chain after a longer one. */
  | 'CONFLICT'
  /** The peer's chain today has another hash at a position it signed: history was rewritten. */
  | 'REWRITTEN'
  /** The peer's chain today is shorter than a position it signed. */
  | 'TRUNCATED'
  /** The chain rows the peer serves do not link to one another. */
  | 'BROKEN_CHAIN';

export interface PeerProblem {
  kind: PeerProblemKind;
  /** The checkpoint concerned (its AUDIT_CHECKPOINT message id), when there is one. */
  messageId: string | null;
  /** The chain position concerned. */
  seq: string | null;
  detail: string;
}

export interface PeerSigningKey {
  keyId: string;
  publicKey: string;
}

/** Our own key store: opens the payload the peer sealed for us. */
export interface PayloadOpener {
  open(sealed: Sealed, aad: string): Buffer;
}

/**
 * Is this stored row really the peer's signed statement? The signature covers the exact body; the body
 * binds the payload (sealed for us, with the envelope as AAD), so the stored seq and hash must be what the
 * opened payload says. Without `opener` only the signature and envelope are checked.
 */
export function checkSignedCheckpoint(
  checkpoint: StoredCheckpoint,
  key: PeerSigningKey,
  self: string,
  opener: PayloadOpener | null,
): PeerProblem | null {
  const forged = (detail: string): PeerProblem => ({
    kind: 'FORGED',
    messageId: checkpoint.messageId,
    seq: checkpoint.seq,
    detail,
  });
  if (checkpoint.keyId !== key.keyId) {
    return forged(`recorded as signed with key ${checkpoint.keyId}; the directory names ${key.keyId}`);
  }
  if (!verify(checkpoint.body, checkpoint.signature, key.publicKey)) {
    return forged(`the signature does not verify with ${checkpoint.peer}'s directory key`);
  }
  let envelope: {
    id?: unknown;
    type?: unknown;
    from?: unknown;
    to?: unknown;
    caseRef?: unknown;
    sealed?: Sealed;
  };
  try {
    envelope = JSON.parse(checkpoint.body.toString('utf8'));
  } catch {
    return forged('the signed body is not JSON');
  }
  if (
    envelope.type !== 'AUDIT_CHECKPOINT' ||
    envelope.from !== checkpoint.peer ||
    envelope.to !== self ||
    envelope.id !== checkpoint.messageId
  ) {
    return forged('the signed envelope is not this checkpoint from this peer to this node');
  }
  if (!opener) return null;
  let payload: { seq?: unknown; headHash?: unknown };
  try {
    const aad = sealAad({
      id: String(envelope.id),
      type: String(envelope.type),
      from: String(envelope.from),
      to: String(envelope.to),
      caseRef: typeof envelope.caseRef === 'string' ? envelope.caseRef : null,
    });
    payload = JSON.parse(opener.open(envelope.sealed!, aad).toString('utf8'));
  } catch {
    return forged('the signed payload does not open with this node’s key');
  }
  if (String(payload.seq) !== checkpoint.seq || payload.headHash !== checkpoint.headHash) {
    return forged(
      `stored as seq ${checkpoint.seq} ${checkpoint.headHash.slice(0, 12)}…; the peer signed seq ${String(payload.seq)} ${String(payload.headHash).slice(0, 12)}…`,
    );
  }
  return null;
}

/** Contradictions among genuine checkpoints: each is proof of misbehaviour on its own. */
export function checkConsistency(checkpoints: StoredCheckpoint[]): PeerProblem[] {
  const problems: PeerProblem[] = [];
  const hashAt = new Map<string, StoredCheckpoint>();
  for (const checkpoint of checkpoints) {
    const other = hashAt.get(checkpoint.seq);
    if (other && other.headHash !== checkpoint.headHash) {
      problems.push({
        kind: 'CONFLICT',
        messageId: checkpoint.messageId,
        seq: checkpoint.seq,
        detail: `the peer signed two different hashes for position ${checkpoint.seq} (also in ${other.messageId})`,
      });
    }
    hashAt.set(checkpoint.seq, checkpoint);
  }
  const bySigning = [...checkpoints].sort((a, b) => a.signedAt.localeCompare(b.signedAt));
  let furthest: StoredCheckpoint | null = null;
  for (const checkpoint of bySigning) {
    if (furthest && Number(checkpoint.seq) < Number(furthest.seq)) {
      problems.push({
        kind: 'CONFLICT',
        messageId: checkpoint.messageId,
        seq: checkpoint.seq,
        detail: `signed at ${checkpoint.signedAt} for position ${checkpoint.seq}, after signing position ${furthest.seq}: the chain went backwards`,
      });
    }
    if (!furthest || Number(checkpoint.seq) > Number(furthest.seq)) furthest = checkpoint;
  }
  return problems;
}

/**
 * Walks the peer's chain rows from the earliest signed position to its head: every signed position must hold
 * the signed hash, and the rows must link (so the head the peer serves descends from what it signed).
 */
export async function checkPeerChain(
  checkpoints: StoredCheckpoint[],
  rows: AsyncIterable<PeerChainRow>,
): Promise<{ problems: PeerProblem[]; headPos: number | null; rowsChecked: number }> {
  const problems: PeerProblem[] = [];
  const signed = new Map<number, StoredCheckpoint[]>();
  for (const checkpoint of checkpoints) {
    const pos = Number(checkpoint.seq);
    signed.set(pos, [...(signed.get(pos) ?? []), checkpoint]);
  }
  const furthest = Math.max(...signed.keys());
  let previous: PeerChainRow | null = null;
  let rowsChecked = 0;
  const seen = new Set<number>();
  for await (const row of rows) {
    rowsChecked++;
    const pos = Number(row.pos);
    if (previous && (pos !== Number(previous.pos) + 1 || row.prevHash !== previous.hash)) {
      problems.push({
        kind: 'BROKEN_CHAIN',
        messageId: null,
        seq: row.pos,
        detail: `position ${row.pos} does not follow position ${previous.pos} in the chain the peer serves`,
      });
    }
    for (const checkpoint of signed.get(pos) ?? []) {
      seen.add(pos);
      if (row.hash !== checkpoint.headHash) {
        problems.push({
          kind: 'REWRITTEN',
          messageId: checkpoint.messageId,
          seq: checkpoint.seq,
          detail: `the peer signed ${checkpoint.headHash.slice(0, 12)}… for position ${pos} at ${checkpoint.signedAt}; its chain now has ${row.hash.slice(0, 12)}…`,
        });
      }
    }
    previous = row;
  }
  const headPos = previous ? Number(previous.pos) : null;
  for (const [pos, list] of signed) {
    if (seen.has(pos) || headPos === null || pos > headPos) continue;
    for (const checkpoint of list) {
      problems.push({
        kind: 'REWRITTEN',
        messageId: checkpoint.messageId,
        seq: checkpoint.seq,
        detail: `the chain the peer serves has no position ${pos}, which it signed at ${checkpoint.signedAt}`,
      });
    }
  }
  if (headPos === null || headPos < furthest) {
    problems.push({
      kind: 'TRUNCATED',
      messageId: null,
      seq: String(furthest),
      detail: `the peer signed position ${furthest} but its chain now ends at ${headPos ?? 'nothing'}`,
    });
  }
  return { problems, headPos, rowsChecked };
}
