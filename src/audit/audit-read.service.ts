import { Injectable } from '@nestjs/common';
import { decodePageCursor, encodePageCursor, type Page, PAGE_DEFAULT_LIMIT } from '../common/page';
import { CSV_HEADER, csvLine, jsonLine } from './audit-export';
import type { AuditFilter, AuditPageRequest } from './audit-query';
import { buildTimeline, CaseTimeline } from './audit-timeline';
import {
  AuditEntryRow,
  AuditRepository,
  ChainHead,
  ChainRowView,
  PeerCheckpointRow,
  TIMELINE_LIMIT,
} from './audit.repository';
import { AuditError, AuditErrorCode } from './audit.errors';

export interface AuditPage {
  entries: AuditEntryRow[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ChainPage {
  head: ChainHead | null;
  rows: ChainRowView[];
}

export interface ChainState {
  head: { seq: string; hash: string; sealedAt: string } | null;
  lastVerification: { at: string; ok: boolean; details: Record<string, unknown> } | null;
  peers: Array<{
    peer: string;
    lastCheckpointSeq: string;
    lastCheckpointReceivedAt: string;
    matched: boolean | null;
    checkedAt: string | null;
  }>;
}

export type ExportFormat = 'csv' | 'jsonl';

/** The auditors' read side: pages, exports, a case's timeline, and the chain hashes peers verify against. */
@Injectable()
export class AuditReadService {
  constructor(private readonly repository: AuditRepository) {}

  async page(request: AuditPageRequest): Promise<AuditPage> {
    if (request.from && request.to && request.from >= request.to) {
      throw new AuditError(AuditErrorCode.INVALID_QUERY, 'from must be earlier than to');
    }
    // A seq no entry has would compare with NULL and give an empty last page: refused instead.
    if (request.after !== undefined && !(await this.repository.entryExists(request.after))) {
      throw new AuditError(AuditErrorCode.INVALID_QUERY, 'after must be the nextCursor of a previous page');
    }
    // One more than asked tells whether another page exists without counting.
    const rows = await this.repository.page({ ...request, limit: request.limit + 1 });
    const entries = rows.slice(0, request.limit);
    return {
      entries,
      nextCursor: rows.length > request.limit ? entries[entries.length - 1].seq : null,
    };
  }

  /** The export as text chunks, one per batch of entries, for the caller to stream. */
  async *export(filter: AuditFilter, format: ExportFormat): AsyncGenerator<string> {
    const line = format === 'csv' ? csvLine : jsonLine;
    if (format === 'csv') yield CSV_HEADER;
    for await (const batch of this.repository.stream(filter)) yield batch.map(line).join('');
  }

  async timeline(caseRef: string): Promise<CaseTimeline> {
    const rows = await this.repository.forCase(caseRef);
    if (rows.length === 0)
      throw new AuditError(AuditErrorCode.NOT_FOUND, `no audit entries for case ${caseRef}`);
    return buildTimeline(caseRef, rows.slice(0, TIMELINE_LIMIT), rows.length > TIMELINE_LIMIT);
  }

  async chain(fromPos: number, limit: number): Promise<ChainPage> {
    const [head, rows] = await Promise.all([this.repository.head(), this.repository.chain(fromPos, limit)]);
    return { head, rows };
  }

  /** The chain's head, this node's last verification of it, and where each peer's checkpoints stand. */
  async chainState(): Promise<ChainState> {
    const [head, { lastVerification, peers }] = await Promise.all([
      this.repository.head(),
      this.repository.chainState(),
    ]);
    return {
      head: head ? { seq: head.pos, hash: head.hash, sealedAt: head.sealedAt } : null,
      lastVerification: lastVerification && {
        at: lastVerification.at,
        ok: lastVerification.decision === 'ALLOW',
        details: lastVerification.details ?? {},
      },
      peers: peers.map((p) => ({
        peer: p.peer,
        lastCheckpointSeq: p.lastCheckpointSeq,
        lastCheckpointReceivedAt: p.receivedAt,
        // A conflict between its checkpoints is a mismatch; a verification says how its chain compared.
        matched: p.action === null ? null : p.action === 'AUDIT_VERIFIED' && p.decision === 'ALLOW',
        checkedAt: p.checkedAt,
      })),
    };
  }

  /** A page of the peers' checkpoints; the cursor holds the last row's peer, position and id. */
  async checkpoints(query: {
    peer?: string;
    limit?: number;
    after?: string;
  }): Promise<Page<PeerCheckpointRow>> {
    const limit = query.limit ?? PAGE_DEFAULT_LIMIT;
    const keys = query.after ? decodePageCursor(query.after) : null;
    if (
      query.after &&
      (keys?.length !== 3 || !/^[A-Z]{2}$/.test(keys[0]) || !keys.slice(1).every((k) => /^\d{1,19}$/.test(k)))
    )
      throw new AuditError(AuditErrorCode.INVALID_QUERY, 'after must be the nextCursor of a previous page');
    const rows = await this.repository.peerCheckpoints({
      peer: query.peer,
      after: keys ? { peer: keys[0], seq: keys[1], id: keys[2] } : null,
      limit,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodePageCursor([last.peer, last.seq, last.id]) : null,
    };
  }
}
