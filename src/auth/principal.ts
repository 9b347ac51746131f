import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from './roles';

/** The request as the access guard leaves it: `principal` is set once the caller authenticated. */
export type AuthenticatedRequest = Request & { principal?: Principal };

export function principalOf(context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  // Only reachable on a route declared @Public(), where a handler has no business asking for a principal.
  if (!principal) throw new Error('no authenticated principal on this request');
  return principal;
}

/** The authenticated caller, in a handler of a route that declares its roles. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal =>
  principalOf(context),
);
