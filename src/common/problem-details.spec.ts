import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  codeForStatus,
  declareProblemDetails,
  problemBody,
  PROBLEM_CONTENT_TYPE,
  titleOf,
} from './problem-details';
import { httpProblem } from '../api/problem.filter';

describe('problem details', () => {
  it.each([
    ['CASE_NOT_FOUND', 'Case not found'],
    ['RATE_LIMITED', 'Rate limited'],
    ['INVALID_CASE_REF', 'Invalid case ref'],
  ])('the title of %s is %s', (code, title) => {
    expect(titleOf(code)).toBe(title);
  });

  it.each([
    [400, 'BAD_REQUEST'],
    [404, 'NOT_FOUND'],
    [429, 'RATE_LIMITED'],
    [418, 'HTTP_418'],
    [502, 'INTERNAL_ERROR'],
  ])('status %i without a code of its own is %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });

  it('puts the RFC 9457 members first and keeps the earlier ones as extensions', () => {
    expect(
      problemBody({
        status: 422,
        code: 'POLICY_REFUSED',
        detail: 'the message was refused',
        reasons: [{ code: 'X' }],
      }),
    ).toEqual({
      type: 'urn:trm:problem:POLICY_REFUSED',
      title: 'Policy refused',
      status: 422,
      detail: 'the message was refused',
      code: 'POLICY_REFUSED',
      error: 'POLICY_REFUSED',
      statusCode: 422,
      message: 'the message was refused',
      reasons: [{ code: 'X' }],
    });
  });

  const matched = { route: { path: '/cases/:caseRef' } } as unknown as Request;
  const unmatched = {} as Request;

  it.each<[string, HttpException, Request, object]>([
    [
      "a controller's NotFoundException",
      new NotFoundException('no case TRM-FR-2026-000001'),
      matched,
      { status: 404, code: 'NOT_FOUND', detail: 'no case TRM-FR-2026-000001', legacyError: 'Not Found' },
    ],
    [
      'an unknown route, without the path',
      new NotFoundException('Cannot GET /secret/Petrovska'),
      unmatched,
      {
        status: 404,
        code: 'ROUTE_NOT_FOUND',
        detail: 'no route matches this method and path',
        legacyError: 'Not Found',
      },
    ],
    [
      "a pipe's own code and fields",
      new BadRequestException({
        code: 'VALIDATION_FAILED',
        error: 'Bad Request',
        message: 'invalid request',
        fields: [{ path: 'x' }],
      }),
      matched,
      {
        status: 400,
        code: 'VALIDATION_FAILED',
        detail: 'invalid request',
        legacyError: 'Bad Request',
        fields: [{ path: 'x' }],
      },
    ],
    [
      'a string response',
      new HttpException('too many requests', 429),
      matched,
      { status: 429, code: 'RATE_LIMITED', detail: 'too many requests' },
    ],
    [
      'a list of messages',
      new BadRequestException(['a is wrong', 'b is wrong']),
      matched,
      { status: 400, code: 'BAD_REQUEST', detail: 'a is wrong; b is wrong', legacyError: 'Bad Request' },
    ],
  ])('%s', (_, error, request, expected) => {
    expect(httpProblem(error, request)).toEqual(expected);
  });

  it("declares the schema on every error response, keeping a response's own body", () => {
    const own = { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } };
    const document = {
      paths: {
        '/cases/{caseRef}': {
          get: { responses: { '200': { description: 'ok' }, '404': { description: 'none' } } },
        },
        '/health': { get: { responses: { '503': { description: 'down', content: own } } } },
      },
    } as unknown as OpenAPIObject;
    const problem = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetails' } } };
    const declared = declareProblemDetails(document).paths;
    expect(declared['/cases/{caseRef}'].get!.responses).toEqual({
      '200': { description: 'ok' },
      '404': { description: 'none', content: problem },
      default: { description: 'any other error, as RFC 9457 problem details', content: problem },
    });
    expect(declared['/health'].get!.responses['503']).toEqual({ description: 'down', content: own });
  });
});
