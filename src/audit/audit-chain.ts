/**
 * The hash chain over the audit log: canonical form, hashing, and the checks that find an edited, removed,
 * inserted or reordered entry. Pure (node:crypto only), shared by the sealer, `audit:verify`, the bench and
 * the tests, so there is exactly one definition of what an entry's hash covers.
 *
 * hash(n) = SHA-256( hash(n-1) ‖ leaf(n) ), leaf(n) = SHA-256( UTF-8( canonical(entry n) ) ), hash(0) = 32 zero
 * bytes (link 2; rows sealed before it, link 1, hash the canonical text itself in place of its leaf), where n
 * is the chain position (the order the sealer appended entries in) and canonical(entry) is the JSON array
 * [1, seq, at, action, actor, caseRef, messageId, messageType, counterpart, legalBasis, decision, reasonCode,
 * details] exactly as PostgreSQL's json_build_array prints it (CANONICAL_SQL; canonicalForm is the same in
 * TypeScript). docs/audit.md gives an example.
 */
import { createHash } from 'node:crypto';

/** Bumped if the canonical form ever changes; it is the first element of every canonical array. */
export const CHAIN_FORMAT = 1;

export const GENESIS_HASH: Buffer = Buffer.alloc(32);
export const GENESIS_HEX = GENESIS_HASH.toString('hex');

/** The hashed fields, in order. */
export const CANONICAL_FIELDS = [
  'seq',
  'at',
  'action',
  'actor',
  'caseRef',
  'messageId',
  'messageType',
  'counterpart',
  'legalBasis',
  'decision',
  'reasonCode',
  'details',
] as const;

/**
 * Each field as text (`a` is audit_log): as stored, `at` in UTC with microseconds (what timestamptz holds),
 * details as jsonb's own normalised text.
 */
const FIELDS_SQL = [
  'a.seq::text',
  `to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  'a.action',
  'a.actor',
  'a.case_ref',
  'a.message_id',
  'a.message_type',
  'a.counterpart',
  'a.legal_basis',
  'a.decision',
  'a.reason_code',
  'a.details::text',
].join(', ');

/**
 * The canonical form, built by PostgreSQL: one text per entry instead of twelve columns makes reading a
 * million entries several times cheaper for the verifier, and json_build_array's output is fixed
 * (elements separated by ", ", strings escaped as JSON.stringify does).
 */
export const CANONICAL_SQL = `json_build_array(${CHAIN_FORMAT}, ${FIELDS_SQL})::text`;

/** One entry's field values in CANONICAL_FIELDS order, as text (null where the column is null). */
export type CanonicalValues = ReadonlyArray<string | null>;

const SEQ = 1;

/** The same string CANONICAL_SQL yields for these values. */
export function canonicalForm(values: CanonicalValues): string {
  return `[${[String(CHAIN_FORMAT), ...values.map((v) => (v === null ? 'null' : JSON.stringify(v)))].join(', ')}]`;
}

/**
 * How a chain row links its entry to the row before it (`audit_chain.link`):
 * 1: SHA-256(previous ‖ canonical), the rows sealed before the evidence bundles (migration 1763903300000);
 * 2: SHA-256(previous ‖ SHA-256(canonical)): the entry enters the chain through its leaf digest, so a stretch
 *    of the chain can be recomputed from the leaves of the entries one may not see (an evidence bundle shows
 *    one case's entries and only the leaves of the others', docs/audit.md).
 */
export type ChainLink = 1 | 2;
export const CURRENT_LINK: ChainLink = 2;

/** The leaf of an entry (hex): what a link-2 row hashes in place of the entry's canonical text. */
export function leafHex(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function chainHash(
  previous: Buffer | string,
  canonical: string,
  link: ChainLink = CURRENT_LINK,
): Buffer {
  return Buffer.from(
    chainHashHex(typeof previous === 'string' ? previous : previous.toString('hex'), canonical, link),
    'hex',
  );
}

/** chainHash over hex, without a Buffer per call: the verifier's hot path. */
export function chainHashHex(previousHex: string, canonical: string, link: ChainLink = CURRENT_LINK): string {
  const hash = createHash('sha256').update(previousHex, 'hex');
  if (link === 1) return hash.update(canonical, 'utf8').digest('hex');
  return hash.update(createHash('sha256').update(canonical, 'utf8').digest()).digest('hex');
}

/** A link-2 row's hash from its leaf alone, without the entry. */
export function chainHashFromLeafHex(previousHex: string, leaf: string): string {
  return createHash('sha256').update(previousHex, 'hex').update(leaf, 'hex').digest('hex');
}

/** One chain row with the entry it seals (null when that entry is no longer in audit_log). */
export interface SealedRow {
  pos: number;
  entrySeq: string;
  /** Hex. */
  prevHash: string;
  hash: string;
  link: ChainLink;
  /** The entry's canonical form; null when the entry is no longer in audit_log. */
  canonical: string | null;
}

export type ChainProblemKind = 'EDITED' | 'REMOVED' | 'INSERTED' | 'REORDERED';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** The entry concerned (for a removal: the first entry after the gap). */
  seq: string | null;
  /** Its chain position, when it has one. */
  pos: number | null;
  detail: string;
}

/** Rows looked at on either side of each row by default. */
export const CHECK_WINDOW = 8;

export interface ChainCheckerOptions {
  /**
   * An entry dated this much earlier than an entry sealed before it was backdated. Legitimate commit order
   * differs from `at` order only by the length of a transaction.
   */
  backdateToleranceMs?: number;
  /** Rows looked at on either side to tell a reordering or an insertion from an edit or a removal. */
  window?: number;
  /**
   * Only rows at these positions are reported and counted; the others are context (a parallel walk of one
   * range reads a window of rows on either side of it).
   */
  reportFrom?: number;
  reportTo?: number;
}

/**
 * Walks the chain in position order, one row at a time (so a million rows never sit in memory), and
 * explains each break. A row is checked once `window` rows after it have arrived, so a reordering can be
 * recognised from both sides.
 */
export class ChainChecker {
  readonly problems: ChainProblem[] = [];
  private readonly window: number;
  private readonly backdateToleranceMs: number;
  private readonly rows: SealedRow[] = [];
  private next = 0;
  private checked = 0;
  private latestAt = Number.NEGATIVE_INFINITY;
  /** Positions found out of place or reported: what explains a neighbour's broken link. */
  private readonly flagged = new Set<number>();
  /** One problem per row: the first found. */
  private readonly reported = new Set<number>();
  private readonly reportFrom: number;
  private readonly reportTo: number;

  constructor(options: ChainCheckerOptions = {}) {
    this.window = options.window ?? CHECK_WINDOW;
    this.backdateToleranceMs = options.backdateToleranceMs ?? 10 * 60_000;
    this.reportFrom = options.reportFrom ?? Number.NEGATIVE_INFINITY;
    this.reportTo = options.reportTo ?? Number.POSITIVE_INFINITY;
  }

  get rowsChecked(): number {
    return this.checked;
  }

  push(row: SealedRow): void {
    this.rows.push(row);
    while (this.rows.length - this.next > this.window) this.checkNext();
    if (this.next > 2 * this.window) {
      const drop = this.next - this.window;
      this.rows.splice(0, drop);
      this.next -= drop;
    }
  }

  finish(): ChainProblem[] {
    while (this.next < this.rows.length) this.checkNext();
    return this.problems;
  }

  private checkNext(): void {
    const index = this.next++;
    const row = this.rows[index];
    if (row.pos >= this.reportFrom && row.pos <= this.reportTo) this.checked++;
    const previous = index > 0 ? this.rows[index - 1] : undefined;
    this.checkLink(row, index, previous);
    this.checkContent(row, index);
  }

  private checkLink(row: SealedRow, index: number, previous: SealedRow | undefined): void {
    const expectedPos = previous ? previous.pos + 1 : 1;
    if (row.pos !== expectedPos) {
      this.report(
        row,
        'REMOVED',
        `chain positions ${expectedPos}..${row.pos - 1} are missing${after(previous)}`,
      );
      return;
    }
    if (row.prevHash === (previous ? previous.hash : GENESIS_HEX)) return;
    const ahead = this.rows
      .slice(index + 1, index + 1 + this.window)
      .find((other) => other.hash === row.prevHash);
    if (ahead) {
      this.report(row, 'REORDERED', `it was sealed after seq ${ahead.entrySeq} but now comes before it`);
      return;
    }
    const behind = this.rows.slice(Math.max(0, index - this.window), index - 1).reverse();
    const linked = behind.findIndex((other) => other.hash === row.prevHash);
    if (linked >= 0) {
      const between = this.rows.slice(index - 1 - linked, index);
      if (between.some((other) => this.flagged.has(other.pos))) {
        // The other half of a reordering already reported: explained, and it explains the next link too.
        this.flagged.add(row.pos);
        return;
      }
      for (const inserted of between) {
        this.report(
          inserted,
          'INSERTED',
          `it is not part of the chain sealed between seq ${behind[linked].entrySeq} and seq ${row.entrySeq}`,
        );
      }
      return;
    }
    this.report(
      row,
      'REMOVED',
      `the link to the entry before it is broken: an entry${after(previous)} was removed`,
    );
  }

  private checkContent(row: SealedRow, index: number): void {
    const canonical = row.canonical;
    if (canonical === null) {
      this.report(row, 'REMOVED', 'the entry is missing from the audit log');
      return;
    }
    if (chainHashHex(row.prevHash, canonical, row.link) !== row.hash) {
      // Rare, so worth the parse: does this content belong to a neighbour's seal (moved under another seq)?
      const values = valuesOf(canonical);
      const neighbours = this.rows.slice(Math.max(0, index - this.window), index + 1 + this.window);
      const origin = values
        ? neighbours.find(
            (other) =>
              other !== row &&
              other.entrySeq !== values[SEQ - 1] &&
              chainHashHex(other.prevHash, canonicalForm(withSeq(values, other.entrySeq)), other.link) ===
                other.hash,
          )
        : undefined;
      if (origin)
        this.report(row, 'REORDERED', `it holds the entry that was sealed as seq ${origin.entrySeq}`);
      else this.report(row, 'EDITED', 'its content no longer matches its seal');
      return;
    }
    const atText = atOf(canonical);
    const at = Date.parse(atText);
    if (at < this.latestAt - this.backdateToleranceMs) {
      this.report(
        row,
        'INSERTED',
        `it is dated ${atText}, long before entries sealed ahead of it (backdated)`,
      );
    }
    if (at > this.latestAt) this.latestAt = at;
  }

  private report(row: SealedRow, kind: ChainProblemKind, detail: string): void {
    if (this.reported.has(row.pos)) return;
    this.reported.add(row.pos);
    this.flagged.add(row.pos);
    // Context rows are marked too (their neighbours' diagnosis uses it) but not reported.
    if (row.pos >= this.reportFrom && row.pos <= this.reportTo) {
      this.problems.push({ kind, seq: row.entrySeq, pos: row.pos, detail });
    }
  }
}

function after(previous: SealedRow | undefined): string {
  return previous ? ` after seq ${previous.entrySeq}` : ' at the start of the chain';
}

function withSeq(values: CanonicalValues, seq: string): CanonicalValues {
  const copy = [...values];
  copy[SEQ - 1] = seq;
  return copy;
}

/** The field values of a canonical form (without the format number), or null if it is not one. */
function valuesOf(canonical: string): CanonicalValues | null {
  try {
    const parsed: unknown = JSON.parse(canonical);
    return Array.isArray(parsed) ? (parsed.slice(1) as CanonicalValues) : null;
  } catch {
    return null;
  }
}

/** `at` sits at a fixed place: after `[1, "<seq>", "`. Cheaper than parsing the whole entry. */
function atOf(canonical: string): string {
  const start = canonical.indexOf('", "') + 4;
  return canonical.slice(start, start + 27);
}
