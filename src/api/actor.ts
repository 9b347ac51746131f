import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * Who is acting, for the audit log. Until accounts exist (issue 5) the caller names itself in `x-trm-actor`;
 * it is not authenticated.
 */
export const Actor = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const header = context.switchToHttp().getRequest<Request>().headers['x-trm-actor'];
  const name = typeof header === 'string' && header.trim() ? header.trim() : 'anonymous';
  return `api:${name.slice(0, 60)}`;
});
