import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * What a log line is about, carried through the async work of one HTTP request or one message, so every
 * line written meanwhile has it as fields (JSON logs). Ids and codes only: never personal data.
 */
export interface LogContext {
  /** The node (country code): several nodes may share a process (tests, the benchmark). */
  node?: string;
  requestId?: string;
  messageId?: string;
  caseRef?: string;
  /** The other country of a message: its sender inbound, its recipient outbound. */
  peer?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function logContext(): LogContext | undefined {
  return storage.getStore();
}

/** Runs `work` with these fields added to the current context. */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...definedOnly(fields) }, work);
}

function definedOnly(fields: LogContext): LogContext {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as LogContext;
}

/** A client's own request id is kept when it is a plain token; anything else is replaced, never echoed. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Express middleware: one request id per HTTP request (the client's `X-Request-Id`, or a new UUID), echoed
 * in the response's `X-Request-Id`, in the log context of everything the request does, and one log line
 * when the response is sent (method, route pattern, status, duration; never the path as sent).
 */
export function requestContext(
  node: string,
  log: (line: string) => void,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    storage.run({ node, requestId }, () => {
      res.once(
        'finish',
        AsyncResource.bind(() => {
          const route = (req.route as { path?: unknown } | undefined)?.path;
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          log(
            `${req.method} ${typeof route === 'string' ? route : '(unmatched)'} ${res.statusCode} ${ms.toFixed(1)} ms`,
          );
        }),
      );
      next();
    });
  };
}
