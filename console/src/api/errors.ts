/** A field the server refused: `path` is dotted (`person.givenName`, `factors.0.code`). */
export interface FieldProblem {
  path: string;
  code?: string;
  message?: string;
  constraints?: string[];
}

/** A reason a gate (consent, risk, lifecycle, directory) refused a message. */
export interface ReasonProblem {
  code: string;
  message?: string;
  scope?: string;
  fields?: string[];
  overridable?: boolean;
  /** The rule of the case's facts that refused (ASYLUM_CLAIM_PENDING…), beside the protocol's code. */
  rule?: string;
}

/**
 * A refusal read from either error shape the node sends: the JSON `{ statusCode, error|code, message,
 * fields?, reasons? }` or RFC 9457 problem details (`type`, `title`, `status`, `detail`) carrying the same
 * members as extensions.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
    readonly reasons: ReasonProblem[] = [],
  ) {
    super(message);
  }
}

/** The node did not answer (network error, or a gateway saying it is unreachable). */
export class NodeDownError extends Error {}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function fieldsOf(value: unknown): FieldProblem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): FieldProblem[] => {
    if (typeof item === 'string') return [{ path: '', message: item }];
    if (!item || typeof item !== 'object') return [];
    const f = item as Record<string, unknown>;
    const constraints = Array.isArray(f.constraints)
      ? f.constraints.filter((c) => typeof c === 'string')
      : [];
    return [
      {
        path:
          asString(f.path) ??
          asString(f.pointer)
            ?.replace(/^\/(payload\/)?/, '')
            .replace(/\//g, '.') ??
          '',
        code: asString(f.code) ?? constraints[0]?.split(':')[0],
        message: asString(f.message) ?? constraints.map((c) => c.replace(/^[^:]+:\s*/, '')).join('; '),
        constraints,
      },
    ];
  });
}

function reasonsOf(value: unknown): ReasonProblem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): ReasonProblem[] => {
    if (!item || typeof item !== 'object') return [];
    const r = item as Record<string, unknown>;
    const code = asString(r.code) ?? asString(r.reasonCode);
    if (!code) return [];
    return [
      {
        code,
        message: asString(r.message) ?? asString(r.detail),
        scope: asString(r.scope),
        fields: Array.isArray(r.fields)
          ? r.fields.filter((x): x is string => typeof x === 'string')
          : undefined,
        overridable: r.overridable === true,
        rule: asString(r.rule),
      },
    ];
  });
}

/** Reads a refusal body of either shape; `body` may be anything the server sent (or nothing). */
export function toApiError(status: number, body: unknown): ApiError {
  const b = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const messageList = Array.isArray(b.message) ? b.message.filter((m) => typeof m === 'string') : [];
  const code =
    asString(b.code) ??
    (asString(b.error) && !/\s/.test(asString(b.error) ?? ' ') ? asString(b.error) : undefined) ??
    (asString(b.type) && b.type !== 'about:blank'
      ? asString(b.type)?.split('/').pop()?.toUpperCase().replace(/-/g, '_')
      : undefined) ??
    `HTTP_${status}`;
  const message =
    asString(b.detail) ??
    asString(b.message) ??
    (messageList.length ? messageList.join('; ') : undefined) ??
    asString(b.title) ??
    `HTTP ${status}`;
  const fields = fieldsOf(b.fields);
  if (fields.length === 0 && messageList.length) fields.push(...fieldsOf(messageList));
  return new ApiError(status, code, message, fields, reasonsOf(b.reasons));
}
