import { Controller, Get, Param, Res, UseFilters } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditErrorFilter } from '../audit/audit-error.filter';
import { CurrentPrincipal } from '../auth/principal';
import { actorOf, Principal, Roles } from '../auth/roles';
import { CaseRefPipe } from '../common/request-guards';
import type { EvidenceBundle } from './evidence-bundle';
import { EvidenceExportService } from './evidence-export.service';

@ApiTags('audit')
@Roles('auditor')
@UseFilters(AuditErrorFilter)
@Controller('audit')
export class EvidenceController {
  constructor(private readonly exporter: EvidenceExportService) {}

  @Get('cases/:caseRef/evidence')
  @ApiOperation({
    summary:
      "a case's evidence bundle: its signed messages and receipts, its audit entries linked to the sealed head, " +
      'and the checkpoints peers witnessed (an auditor granted the case; audited; checked offline by npm run evidence:verify)',
  })
  @ApiOkResponse({
    description: 'the bundle (docs/audit.md, "Evidence bundle per case"), as a JSON file to keep',
    schema: { type: 'object' },
  })
  @ApiForbiddenResponse({ description: 'CASE_NOT_GRANTED: an admin has not granted this auditor the case' })
  @ApiNotFoundResponse({ description: 'no sealed audit entry names the case' })
  async evidence(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<EvidenceBundle> {
    const bundle = await this.exporter.export(caseRef, principal, actorOf(principal));
    response.setHeader('content-disposition', `attachment; filename="evidence-${caseRef}.json"`);
    return bundle;
  }
}
