import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { PROBLEM_CONTENT_TYPE } from '../src/common/problem-details';
import { examplePayload } from '../src/messages/examples';
import { api, ApiResponse, openCase, sendMessage } from './support/node-api';

/**
 * Issue 14: every error of the HTTP API, whichever part of the node produced it, is RFC 9457 problem details
 * (`application/problem+json`), keeping the machine code, `fields` and `reasons` members clients know.
 */
describe('errors as problem details (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;

  beforeAll(async () => {
    await federation.setUp();
    const auth = federation.nodeConfig('FR').auth;
    fr = await federation.start('FR', { auth: { ...auth, loginRateLimitPerMinute: 6 } });
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  /** The RFC 9457 members and the kept ones, equal to each other and to the HTTP status. */
  function expectProblem(response: ApiResponse, status: number, code: string, error = code): void {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    expect(response.body).toMatchObject({
      type: `urn:trm:problem:${code}`,
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
      error,
      statusCode: status,
    });
    expect(response.body.message).toBe(response.body.detail);
  }

  it('a domain error (the domain filter): code, reasons and fields as extension members', async () => {
    const missing = await api(fr, 'GET', '/cases/TRM-FR-2026-999999');
    expectProblem(missing, 404, 'CASE_NOT_FOUND');
    expect(missing.body.title).toBe('Case not found');

    const caseRef = await openCase(fr);
    const invalid = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: { ...examplePayload('CASE_UPDATE'), unexpectedField: 1 },
    });
    expectProblem(invalid, 422, 'INVALID_MESSAGE');
    expect(invalid.body.fields.map((f: { path: string }) => f.path)).toContain('unexpectedField');

    // No consent on the case: a policy refusal, with its reasons.
    const refused = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    expectProblem(refused, 422, 'POLICY_REFUSED');
    expect(refused.body.reasons.length).toBeGreaterThan(0);
    expect(refused.body.reasons[0].code).toEqual(expect.any(String));
  });

  it("Nest's own exceptions: a controller's NotFoundException, the validation pipe, a path pipe", async () => {
    const noCase = await api(fr, 'GET', '/cases/TRM-FR-2026-999998/expectations');
    expectProblem(noCase, 404, 'NOT_FOUND', 'Not Found');
    expect(noCase.body.detail).toBe('no case TRM-FR-2026-999998');

    const invalid = await api(fr, 'POST', '/cases', { bogus: 1 });
    expectProblem(invalid, 400, 'VALIDATION_FAILED', 'Bad Request');
    expect(invalid.body.fields).toEqual([{ path: 'bogus', constraints: ['property is not allowed'] }]);

    const badRef = await api(fr, 'GET', '/cases/not-a-reference');
    expectProblem(badRef, 400, 'INVALID_CASE_REF', 'Bad Request');
  });

  it('the body guards before any route: malformed JSON, forbidden keys', async () => {
    const malformed = await api(fr, 'POST', '/cases', undefined, { rawBody: '{"ageStatus": ' });
    expectProblem(malformed, 400, 'MALFORMED_BODY', 'Bad Request');
    expect(malformed.body.detail).toBe('the body is not valid JSON');

    const polluted = await api(fr, 'POST', '/cases', undefined, { rawBody: '{"__proto__": {"x": 1}}' });
    expectProblem(polluted, 400, 'VALIDATION_FAILED', 'Bad Request');
    expect(polluted.body.fields.length).toBeGreaterThan(0);
  });

  it('an unknown route, without echoing the path', async () => {
    const unknown = await api(fr, 'GET', '/no/such/route-Petrovska');
    expectProblem(unknown, 404, 'ROUTE_NOT_FOUND', 'Not Found');
    expect(JSON.stringify(unknown.body)).not.toContain('Petrovska');
  });

  it("the access guard's 401 and 403, and a refused login", async () => {
    const anonymous = await api(fr, 'GET', '/cases/TRM-FR-2026-999999', undefined, { as: 'anonymous' });
    expectProblem(anonymous, 401, 'UNAUTHENTICATED');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="trm-broker"');

    const auditor = await api(fr, 'POST', '/cases', {}, { as: 'auditor' });
    expectProblem(auditor, 403, 'FORBIDDEN');

    const login = await api(
      fr,
      'POST',
      '/auth/token',
      { name: 'nobody', password: 'wrong-password-1' },
      {
        as: 'anonymous',
      },
    );
    expectProblem(login, 401, 'INVALID_CREDENTIALS');
  });

  it("the audit module's filter", async () => {
    const reversed = await api(
      fr,
      'GET',
      '/audit/entries?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      undefined,
      { as: 'auditor' },
    );
    expectProblem(reversed, 400, 'INVALID_QUERY');
  });

  it('the rate limit (429, with Retry-After)', async () => {
    let refused: ApiResponse | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const attempt = await api(
        fr,
        'POST',
        '/auth/token',
        { name: `nobody-${i}`, password: 'wrong-password-1' },
        {
          as: 'anonymous',
        },
      );
      if (attempt.status === 429) refused = attempt;
      else expect(attempt.status).toBe(401);
    }
    expect(refused).toBeDefined();
    expectProblem(refused!, 429, 'RATE_LIMITED');
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('the OpenAPI document declares the ProblemDetails schema for the error responses', async () => {
    const response = await fetch(`${fr.url}/docs-json`);
    const document = (await response.json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
      >;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(Object.keys(document.components.schemas.ProblemDetails.properties)).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'fields', 'reasons']),
    );
    const problem = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetails' } } };
    const getCase = document.paths['/cases/{caseRef}'].get.responses;
    expect(getCase['404'].content).toEqual(problem);
    expect(getCase.default.content).toEqual(problem);
    for (const [path, item] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(item))
        expect([`${method} ${path}`, operation.responses.default?.content]).toEqual([
          `${method} ${path}`,
          problem,
        ]);
  });
});
