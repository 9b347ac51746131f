/**
 * The evidence bundle of one case (docs/audit.md, "Evidence bundle per case"): one JSON file that proves,
 * offline and with public keys only, what this node sent and received about the case and what its audit trail
 * recorded, linked to the chain head its peers witnessed. Pure types; built by EvidenceExportService, checked
 * by verifyEvidenceBundle.
 */
import type { ChainLink } from '../audit/audit-chain';

export const EVIDENCE_FORMAT = 'trm-evidence-bundle';
export const EVIDENCE_VERSION = 1;

/** One message exactly as it went over the wire: the signed body and its signature, as stored. */
export interface WireRecord {
  messageId: string;
  /** Seen from the exporting node. */
  direction: 'OUTBOUND' | 'INBOUND';
  /** From the signed body; repeated so a reader need not decode it (the verifier checks they agree). */
  type: string;
  from: string;
  to: string;
  /** The signing key's id, as the directory names it. */
  keyId: string;
  /** The exact signed bytes, base64: an envelope whose payload is sealed for its recipient. */
  body: string;
  /** Ed25519 over `body`, base64 (the `x-trm-signature` header). */
  signature: string;
}

/** A message the audit trail names but whose signed body the node does not hold, and why. */
export interface UnavailableMessage {
  messageId: string;
  reason:
    /** Received before the node kept inbound bodies (migration 1763903300000). */
    | 'NOT_STORED'
    /** Cancelled or redacted before the relay published it: the body that went out is the replacement, or none. */
    | 'NOT_SENT'
    /** Received before the case was erased: the body was under the case's key, destroyed with it (`erased`). */
    | 'ERASED';
}

/**
 * The case's erasure (docs/retention.md), as its CASE_ERASED entry in `chain` records it. The erasure took the
 * signed bodies received from peers (they carry payloads sealed for this node, which its keys open: they were
 * under the case's key), each listed in `unavailable` as ERASED; what the node signed and sent, the receipts
 * it sent, the audit entries and the checkpoints are all still there.
 */
export interface ErasureRecord {
  /** The CASE_ERASED entry's position and time (its `at`, as in its canonical form). */
  pos: number;
  at: string;
}

/**
 * One row of the chain from the case's first entry to the head. A disclosed row carries the entry's canonical
 * form (a case entry, or the node's own AUDIT_CHECKPOINT_SENT entry naming a checkpoint in the bundle) and the
 * hashes it was sealed with and on (so an edited entry and a broken link between two shown entries are told
 * apart); any other row carries only its leaf (SHA-256 of the entry), never the entry, so no other case's
 * record leaves the node. A row sealed before leaves existed (link 1) cannot be linked without its content: it
 * is disclosed too.
 */
export type ChainRow =
  | { pos: number; link: ChainLink; canonical: string; prevHash: string; hash: string }
  | { pos: number; link: 2; leaf: string };

/** A checkpoint this node signed and sent a peer: its chain head, witnessed by that peer. */
export interface CheckpointRecord {
  peer: string;
  /** The chain position and hash it states (sealed for the peer; the node's AUDIT_CHECKPOINT_SENT entry says them in the chain). */
  pos: number;
  headHash: string;
  wire: WireRecord;
}

export interface EvidenceBundle {
  format: typeof EVIDENCE_FORMAT;
  version: typeof EVIDENCE_VERSION;
  /** The exporting node's country. */
  node: string;
  caseRef: string;
  exportedAt: string;
  /** Who exported it (`api:<account>`); the export is itself an audit entry, after the head. */
  exportedBy: string;
  /** Every message of the case but receipts, in the order the audit chain first names them. */
  messages: WireRecord[];
  /** DELIVERY_RECEIPT and DELIVERY_REJECTED of the case, either direction, in chain order. */
  receipts: WireRecord[];
  unavailable: UnavailableMessage[];
  /** Null unless the case was erased; absent from bundles exported before erasure existed. */
  erased?: ErasureRecord | null;
  chain: {
    /** The hash before the first row (the chain's genesis when the case's first entry is at position 1). */
    prevHash: string;
    rows: ChainRow[];
    /** The sealed head at export: the hash at the last row. */
    head: { pos: number; hash: string };
  };
  /** The newest checkpoint sent to each peer at or after the case's first entry. */
  checkpoints: CheckpointRecord[];
}

export function isDisclosed(row: ChainRow): row is Extract<ChainRow, { canonical: string }> {
  return 'canonical' in row;
}
