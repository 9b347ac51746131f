import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CaseRefPipe } from '../common/request-guards';
import { Roles } from '../auth/roles';
import { CasesService } from '../cases/cases.service';
import { PageQueryDto } from '../common/page';
import { ExpectationPageView, ExpectationQueryDto, toExpectationPageView } from './expectation.views';
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
  @ApiOkResponse({ type: ExpectationPageView, description: 'by deadline, earliest first; a page at a time' })
  async list(@Query() query: ExpectationQueryDto): Promise<ExpectationPageView> {
    const { limit, after, ...filter } = query;
    return toExpectationPageView(await this.expectations.list(filter, { limit, after }));
  }

  @Get('expectations/overdue')
  @ApiOperation({ summary: 'overdue expectations' })
  @ApiOkResponse({
    type: ExpectationPageView,
    description: 'the overdue list, most overdue first; a page at a time',
  })
  async overdue(@Query() page: PageQueryDto): Promise<ExpectationPageView> {
    return toExpectationPageView(await this.expectations.list({ status: 'OVERDUE' }, page));
  }

  @Get('cases/:caseRef/expectations')
  @ApiOperation({ summary: "the case's expectations" })
  @ApiOkResponse({
    type: ExpectationPageView,
    description: "the case's expectations, both directions; a page at a time",
  })
  @ApiNotFoundResponse()
  async forCase(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Query() page: PageQueryDto,
  ): Promise<ExpectationPageView> {
    if (!(await this.cases.find(caseRef))) throw new NotFoundException(`no case ${caseRef}`);
    return toExpectationPageView(await this.expectations.list({ caseRef }, page));
  }
}
