import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CaseRefPipe } from '../common/request-guards';
import { Roles } from '../auth/roles';
import { CasesService } from '../cases/cases.service';
import { ExpectationQueryDto, ExpectationView, toExpectationView } from './expectation.views';
import { ExpectationsService } from './expectations.service';

/** What answer is awaited from whom, what this node owes, and what is late: the coordinators' worklist. */
@ApiTags('expectations')
@Roles('coordinator')
@Controller()
export class ExpectationsController {
  constructor(
    private readonly expectations: ExpectationsService,
    private readonly cases: CasesService,
  ) {}

  @Get('expectations')
  @ApiOperation({ summary: 'expectations: answers owed and awaited, with their deadlines' })
  @ApiOkResponse({ type: [ExpectationView], description: 'by deadline, earliest first' })
  async list(@Query() query: ExpectationQueryDto): Promise<ExpectationView[]> {
    return (await this.expectations.list(query)).map(toExpectationView);
  }

  @Get('expectations/overdue')
  @ApiOperation({ summary: 'overdue expectations' })
  @ApiOkResponse({ type: [ExpectationView], description: 'the overdue list, most overdue first' })
  async overdue(): Promise<ExpectationView[]> {
    return (await this.expectations.list({ status: 'OVERDUE', limit: 500 })).map(toExpectationView);
  }

  @Get('cases/:caseRef/expectations')
  @ApiOperation({ summary: "the case's expectations" })
  @ApiOkResponse({ type: [ExpectationView], description: "the case's expectations, both directions" })
  @ApiNotFoundResponse()
  async forCase(@Param('caseRef', CaseRefPipe) caseRef: string): Promise<ExpectationView[]> {
    if (!(await this.cases.find(caseRef))) throw new NotFoundException(`no case ${caseRef}`);
    return (await this.expectations.list({ caseRef, limit: 500 })).map(toExpectationView);
  }
}
