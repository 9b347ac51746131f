import { ApiProperty, ApiPropertyOptional, getSchemaPath, OpenAPIObject } from '@nestjs/swagger';
import type { Response } from 'express';

/** RFC 9457: the media type of every error the HTTP API answers. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are URNs named by the machine code (docs/errors.md lists them); never dereferenced. */
export const PROBLEM_TYPE_PREFIX = 'urn:trm:problem:';

/** What an error source says about one failure; `problemBody` turns it into the one shape on the wire. */
export interface Problem {
  status: number;
  /** The machine code clients branch on (`CASE_NOT_FOUND`, `RATE_LIMITED`…). */
  code: string;
  /** For a person reading it; never personal data, never a credential, never the request echoed. */
  detail: string;
  /** The `error` member this source answered before problem details, kept for existing clients. */
  legacyError?: string;
  fields?: unknown[];
  reasons?: unknown[];
  headers?: Record<string, string>;
}

/**
 * The body of every HTTP error: the RFC 9457 members, then extension members with the machine code and, as
 * before, `statusCode`, `error`, `message`, `fields` and `reasons`, so clients written earlier keep working.
 */
export class ProblemDetails {
  @ApiProperty({ example: `${PROBLEM_TYPE_PREFIX}CASE_NOT_FOUND`, description: 'a URN naming the code' })
  type!: string;

  @ApiProperty({ example: 'Case not found', description: 'the same for every occurrence of the type' })
  title!: string;

  @ApiProperty({ example: 404 })
  status!: number;

  @ApiProperty({ example: 'no case TRM-MK-2026-000123', description: 'this occurrence; never personal data' })
  detail!: string;

  @ApiPropertyOptional({ description: 'a URI of this occurrence, when there is one' })
  instance?: string;

  @ApiProperty({ example: 'CASE_NOT_FOUND', description: 'the machine code (extension member)' })
  code!: string;

  @ApiProperty({
    example: 'CASE_NOT_FOUND',
    description: 'kept from before problem details: the machine code, or the HTTP reason phrase',
  })
  error!: string;

  @ApiProperty({ example: 404, description: 'kept from before problem details: equals `status`' })
  statusCode!: number;

  @ApiProperty({ example: 'no case TRM-MK-2026-000123', description: 'kept from before: equals `detail`' })
  message!: string;

  @ApiPropertyOptional({
    description: 'which fields of the request are wrong (`path`, `constraints` or `code`)',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  fields?: unknown[];

  @ApiPropertyOptional({
    description: 'why a policy refused the request (each with its reason code)',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  reasons?: unknown[];
}

export function problemBody(problem: Problem): ProblemDetails {
  return {
    type: `${PROBLEM_TYPE_PREFIX}${problem.code}`,
    title: titleOf(problem.code),
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    error: problem.legacyError ?? problem.code,
    statusCode: problem.status,
    message: problem.detail,
    ...(problem.fields ? { fields: problem.fields } : {}),
    ...(problem.reasons ? { reasons: problem.reasons } : {}),
  };
}

/** The one way an error reaches the wire, from exception filters and Express middleware alike. */
export function sendProblem(response: Response, problem: Problem): void {
  for (const [name, value] of Object.entries(problem.headers ?? {})) response.setHeader(name, value);
  response
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(problem)));
}

/** `CASE_NOT_FOUND` → `Case not found`: fixed per code, as RFC 9457 wants of `title`. */
export function titleOf(code: string): string {
  const words = code.toLowerCase().split('_').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Machine codes for errors that carry none of their own (Nest's HttpExceptions), by status. */
export function codeForStatus(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`);
}

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

const PROBLEM_CONTENT = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetails) } } };

/**
 * Every error response of the document is problem details: the routes' own error responses (declared with
 * @nestjs/swagger's decorators, description only) get the ProblemDetails schema, and every route gets a
 * `default` response for the errors it does not list (401, 403, 429, 500…). The schema itself comes from the
 * ProblemDetails class (`extraModels`).
 */
export function declareProblemDetails(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const) {
      const operation = item[method];
      if (!operation) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        // A response that declares its own body (the health probes' reports) keeps it.
        if ((status === 'default' || Number(status) >= 400) && response && 'description' in response)
          response.content ??= PROBLEM_CONTENT;
      }
      operation.responses.default ??= {
        description: 'any other error, as RFC 9457 problem details',
        content: PROBLEM_CONTENT,
      };
    }
  }
  return document;
}
