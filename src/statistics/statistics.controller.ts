import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../auth/roles';
import { toCsv } from './statistics';
import { StatisticsQueryDto, StatisticsView } from './statistics.dto';
import { StatisticsService } from './statistics.service';

/** Anonymised statistics for rapporteurs (docs/indicators.md): counts with small-cell suppression. */
@ApiTags('indicators')
@Roles('auditor', 'coordinator')
@Controller('statistics')
export class StatisticsController {
  constructor(private readonly statistics: StatisticsService) {}

  @Get()
  @ApiOperation({
    summary:
      'Anonymised statistics: cases counted by period, SOP, partner country, exploitation type, sex or age band ' +
      '(two at a time), small counts suppressed; JSON or CSV',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: StatisticsView })
  async get(
    @Query() query: StatisticsQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StatisticsView | string> {
    const result = await this.statistics.compute({
      rows: query.rows,
      columns: query.columns ?? null,
      granularity: query.granularity ?? 'YEAR',
      from: query.from ? new Date(query.from) : null,
      to: query.to ? new Date(query.to) : new Date(),
    });
    if (query.format !== 'csv') return result;
    res.type('text/csv; charset=utf-8');
    res.attachment(`statistics-${result.node}-${query.rows}${query.columns ? `-${query.columns}` : ''}.csv`);
    return toCsv(result);
  }
}
