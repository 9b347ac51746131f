import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CaseWorkflowService } from '../cases/case-workflow.service';
import { CaseGrantsService } from '../auth/case-grants.service';
import { CurrentPrincipal } from '../auth/principal';
import { Pseudonymiser } from '../auth/pseudonymiser';
import { Principal, Roles } from '../auth/roles';
import { CasesService } from '../cases/cases.service';
import { CaseFactsService } from '../cases/case-facts.service';
import { RiskService } from '../risk/risk.service';
import { OutboundService } from '../transfers/outbound.service';
import { TransfersService } from '../transfers/transfers.service';
import { Actor } from './actor';
import { CaseRefPipe } from '../common/request-guards';
import { CaseListQueryDto, CaseListView, toCaseListFilter, toCaseSummaryView } from './case-list.dto';
import { OpenCaseDto } from './open-case.dto';
import { CASE_LIST_DEFAULT_LIMIT, decodeCaseCursor } from '../cases/case-list';
import { SendMessageDto } from './send-message.dto';
import type { CaseFactsView } from './case-facts.dto';
import {
  CaseFileView,
  CaseView,
  ComposeOptionsView,
  MessageCheckView,
  SentMessageView,
  toCaseFileView,
  toCaseView,
  toMessageStatusView,
} from './views';

@ApiTags('cases')
@Roles('coordinator')
@Controller('cases')
export class CasesController {
  constructor(
    private readonly cases: CasesService,
    private readonly workflow: CaseWorkflowService,
    private readonly outbound: OutboundService,
    private readonly transfers: TransfersService,
    private readonly grants: CaseGrantsService,
    private readonly pseudonymiser: Pseudonymiser,
    private readonly risk: RiskService,
    private readonly caseFacts: CaseFactsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'the case list: search by reference, status, phase, country, role and dates' })
  // The case rows' own facts, nothing decrypted: an auditor picks the case she reads from it, an admin the
  // case he grants.
  @Roles('coordinator', 'auditor', 'admin')
  @ApiOkResponse({
    type: CaseListView,
    description:
      'newest activity first, one keyset page at a time; no personal data (the read is not audited)',
  })
  @ApiBadRequestResponse({ description: 'a malformed filter or cursor, with field-level reasons' })
  async list(@Query() query: CaseListQueryDto): Promise<CaseListView> {
    const page = await this.cases.list(
      toCaseListFilter(query),
      query.after ? decodeCaseCursor(query.after) : null,
      query.limit ?? CASE_LIST_DEFAULT_LIMIT,
    );
    return { items: page.items.map(toCaseSummaryView), nextCursor: page.nextCursor };
  }

  @Post()
  @ApiOperation({ summary: 'open a case under a new transnational reference' })
  @ApiCreatedResponse({
    type: CaseView,
    description: 'a new case with its transnational reference TRM-<CC>-<year>-<nnnnnn>',
  })
  @ApiBadRequestResponse()
  async open(@Body() body: OpenCaseDto, @Actor() actor: string): Promise<CaseView> {
    return toCaseView(await this.cases.open(actor, body));
  }

  @Get(':caseRef')
  @ApiOperation({ summary: 'the case file: the case, its messages and its workflow (an audited read)' })
  @Roles('coordinator', 'auditor')
  @ApiOkResponse({
    type: CaseFileView,
    description:
      'the case with every message (personal data: the read is audited; withheld on a restricted case; ' +
      'pseudonymised for an auditor who was not granted the case) and its workflow: countries and roles, ' +
      'phases, managers, guardian, return checklist, timeline',
  })
  @ApiNotFoundResponse()
  async get(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Actor() actor: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseFileView> {
    const pseudonymised = principal.role === 'auditor' && !(await this.grants.isGranted(principal, caseRef));
    const file = await this.transfers.caseFile(caseRef, actor, { pseudonymised });
    const view = toCaseFileView(
      file,
      await this.workflow.view(file.case, file.messages),
      await this.risk.overrideStatuses(caseRef),
      await this.caseFacts.view(caseRef),
    );
    if (!pseudonymised) return view;
    // Beside the payloads, the case file shows people's names (managers, guardian), a departure date taken
    // from a payload and peers' free-text rejection reasons: they go through the pseudonymiser too. The
    // checklist's date shares the payloads' path, so it shows as the same pseudonym as in the plan.
    const pseudonymiser = this.pseudonymiser;
    const people = <T extends { managers: unknown; guardian: unknown }>(part: T): T => ({
      ...part,
      managers: pseudonymiser.payload(caseRef, 'managers', part.managers),
      guardian: pseudonymiser.payload(caseRef, 'guardian', part.guardian),
    });
    const { returnChecklist } = view.workflow;
    return {
      case: people(view.case),
      workflow: {
        ...people(view.workflow),
        returnChecklist: {
          ...returnChecklist,
          estimatedDeparture: pseudonymiser.payload(
            caseRef,
            'payload.estimatedDeparture',
            returnChecklist.estimatedDeparture,
          ),
        },
      },
      messages: view.messages.map((m) => ({
        ...m,
        reason: pseudonymiser.payload(caseRef, 'reason', m.reason),
        payload: pseudonymiser.payload(caseRef, 'payload', m.payload),
      })),
      // Statuses and staff actor names, nothing about the person: shown as they are.
      riskOverrides: view.riskOverrides,
      restrictions: view.restrictions,
      // Statuses and dates as they are; the free text (reasons, a threat's kind, who reported it) pseudonymised.
      facts: pseudonymisedFacts(view.facts, (path, value) => pseudonymiser.payload(caseRef, path, value)),
    };
  }

  @Post(':caseRef/messages')
  @ApiOperation({ summary: 'send a message on the case to a participant country' })
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: SentMessageView,
    description: 'stored and queued; follow its status at /messages/{id}',
  })
  @ApiBadRequestResponse({ description: 'a malformed request, with field-level reasons' })
  @ApiUnprocessableEntityResponse({
    description:
      'the payload breaks its schema (`fields`), or the case, directory, consent or risk policy refuses it ' +
      '(`reasons`: each with its code, and for consent the missing scope and the fields that need it)',
  })
  async send(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: SendMessageDto,
    @Actor() actor: string,
  ): Promise<SentMessageView> {
    const sent = await this.outbound.send({ ...body, caseRef }, actor);
    return { ...toMessageStatusView(sent.record), redacted: sent.redacted };
  }

  @Post(':caseRef/messages/check')
  @ApiOperation({ summary: 'dry run of a send: what the schema, case, consent and risk gates would say now' })
  @HttpCode(200)
  @ApiOkResponse({
    type: MessageCheckView,
    description:
      'the same body as POST /cases/{caseRef}/messages; nothing is stored, queued or audited (a read-only ' +
      "transaction); reasons and fields are the ones the send's 422 or 409 would carry",
  })
  @ApiBadRequestResponse({ description: 'a malformed request, with field-level reasons (as the send)' })
  async check(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: SendMessageDto,
  ): Promise<MessageCheckView> {
    return this.outbound.check({ ...body, caseRef });
  }

  @Get(':caseRef/compose-options')
  @ApiOperation({ summary: 'the message types the case allows now, and to whom' })
  @ApiOkResponse({
    type: ComposeOptionsView,
    description:
      "each type the case's lifecycle allows now with the participants whose directory entry accepts it; " +
      'consent, risk and payload rules are for the dry run',
  })
  @ApiNotFoundResponse()
  async composeOptions(@Param('caseRef', CaseRefPipe) caseRef: string): Promise<ComposeOptionsView> {
    const options = await this.outbound.composeOptions(caseRef);
    if (!options) throw new NotFoundException(`no case ${caseRef}`);
    return { options };
  }
}

/** The case's facts with every free-text field through the pseudonymiser, keyed by its path. */
function pseudonymisedFacts(
  facts: CaseFactsView,
  hide: (path: string, value: string) => string,
): CaseFactsView {
  const reason = <T extends { reason: string | null }>(x: T, path: string): T => ({
    ...x,
    reason: x.reason === null ? null : hide(path, x.reason),
  });
  return {
    ...facts,
    identification: facts.identification.map((i) => reason(i, 'facts.identification.reason')),
    reflection: facts.reflection && {
      ...facts.reflection,
      extensions: facts.reflection.extensions.map((x) => reason(x, 'facts.reflection.reason')),
    },
    threats: facts.threats.map((t) => ({
      ...t,
      reportedBy: hide('facts.threats.reportedBy', t.reportedBy),
      kind: hide('facts.threats.kind', t.kind),
    })),
    reopenings: facts.reopenings.map((r) => reason(r, 'facts.reopenings.reason')),
  };
}
