import { Controller, Get, Param, Query, Res, UseFilters } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Public, Roles } from '../auth/roles';
import type { AuditFilter } from './audit-query';
import { AuditReadService } from './audit-read.service';
import { AuditErrorFilter } from './audit-error.filter';
import {
  AuditExportQueryDto,
  AuditFilterDto,
  AuditPageQueryDto,
  AuditPageView,
  CaseTimelineView,
  ChainPageView,
  ChainQueryDto,
  ChainStateView,
  CheckpointsQueryDto,
  PeerCheckpointPageView,
} from './audit.dto';

/**
 * Read-only views for auditors. Nothing here returns personal data (the log holds none), and nothing writes.
 * Auditors only: admins' own actions are in this log, and coordinators do not review themselves either.
 */
@ApiTags('audit')
@Roles('auditor')
@UseFilters(AuditErrorFilter)
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditReadService) {}

  @Get('entries')
  @ApiOperation({ summary: 'audit entries, filtered, in time order, one keyset page at a time' })
  @ApiOkResponse({ type: AuditPageView })
  async entries(@Query() query: AuditPageQueryDto): Promise<AuditPageView> {
    return this.audit.page({
      ...toFilter(query),
      after: query.after,
      limit: query.limit ?? 100,
      order: query.order ?? 'asc',
    });
  }

  @Get('export')
  @ApiOperation({ summary: 'every matching entry, streamed as CSV or JSON Lines' })
  @ApiProduces('text/csv', 'application/x-ndjson')
  async export(@Query() query: AuditExportQueryDto, @Res() response: Response): Promise<void> {
    const csv = query.format === 'csv';
    response.status(200);
    response.setHeader(
      'content-type',
      csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    );
    response.setHeader('content-disposition', `attachment; filename="audit.${query.format}"`);
    // A failure half way leaves a cut-off file; destroying the response makes the client see it as failed.
    await pipeline(Readable.from(this.audit.export(toFilter(query), query.format)), response).catch(() =>
      response.destroy(),
    );
  }

  @Get('cases/:caseRef/timeline')
  @ApiOperation({ summary: "a case's timeline across its messages and decisions" })
  @ApiOkResponse({ type: CaseTimelineView })
  @ApiNotFoundResponse()
  async timeline(@Param('caseRef') caseRef: string): Promise<CaseTimelineView> {
    return this.audit.timeline(caseRef);
  }

  /** Public: peers, who have no account here, verify their checkpoints against it (positions and hashes only). */
  @Get('chain')
  @Public()
  @ApiOperation({
    summary: 'chain hashes from a position (no entry content), for peers checking their checkpoints',
  })
  @ApiOkResponse({ type: ChainPageView })
  async chain(@Query() query: ChainQueryDto): Promise<ChainPageView> {
    return this.audit.chain(query.fromPos ?? 1, query.limit ?? 1000);
  }

  @Get('chain/state')
  @ApiOperation({
    summary: "the audit chain's state: head, last verification, peers' checkpoints matched or not",
  })
  @ApiOkResponse({ type: ChainStateView })
  async chainState(): Promise<ChainStateView> {
    return this.audit.chainState();
  }

  @Get('checkpoints')
  @ApiOperation({ summary: "the peers' signed checkpoints this node keeps, with the exact signed bytes" })
  @ApiOkResponse({ type: PeerCheckpointPageView, description: 'by peer, then position, a page at a time' })
  async checkpoints(@Query() query: CheckpointsQueryDto): Promise<PeerCheckpointPageView> {
    const page = await this.audit.checkpoints(query);
    const items = page.items.map((row) => ({
      peer: row.peer,
      messageId: row.messageId,
      seq: row.seq,
      headHash: row.headHash,
      signedAt: row.signedAt,
      receivedAt: row.receivedAt,
      keyId: row.keyId,
      body: row.body.toString('base64'),
      signature: row.signature,
    }));
    return { items, nextCursor: page.nextCursor };
  }
}

function toFilter(query: AuditFilterDto): AuditFilter {
  return {
    caseRef: query.caseRef,
    country: query.country,
    messageType: query.messageType,
    decision: query.decision,
    actor: query.actor,
    action: query.action,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  };
}
