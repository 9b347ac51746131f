import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { IndicatorsQueryDto, IndicatorsView } from './indicators.dto';
import { IndicatorsService } from './indicators.service';

/** SOP-compliance indicators (docs/indicators.md): counts and times, no personal data. */
@ApiTags('indicators')
@Roles('auditor', 'coordinator')
@Controller('indicators')
export class IndicatorsController {
  constructor(private readonly indicators: IndicatorsService) {}

  @Get()
  @ApiOperation({
    summary:
      'SOP-compliance indicators for a period and partner country: refusals by gate and reason, consent ' +
      'withdrawals and recipients told, answer times against deadlines, escalations, returns during identification, evidence contacts with the origin, family tracing against her wish or an asylum claim, return checklists complete before departure, follow-ups of returned children',
  })
  @ApiOkResponse({ type: IndicatorsView })
  async get(@Query() query: IndicatorsQueryDto): Promise<IndicatorsView> {
    return this.indicators.compute({
      from: query.from ? new Date(query.from) : null,
      to: query.to ? new Date(query.to) : new Date(),
      country: query.country ?? null,
    });
  }
}
