import type { Principal, Role } from './roles';

/** What a route declares: @Roles(...), @Public(), or (a bug, refused to everyone) neither. */
export interface RouteDeclaration {
  roles?: readonly Role[];
  isPublic: boolean;
}

/** Why a request did not authenticate: the reason code of its ACCESS_DENIED entry. */
export const AUTH_FAILURES = [
  'NO_CREDENTIALS',
  'AMBIGUOUS_CREDENTIALS',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'API_KEY_INVALID',
  'API_KEY_REVOKED',
  'ACCOUNT_DISABLED',
] as const;
export type AuthFailure = (typeof AUTH_FAILURES)[number];

/** The outcome of authentication: who, or why not (with the account, when the credentials named one). */
export type Authentication = { principal: Principal } | { failure: AuthFailure; actor?: string };

export type AccessDecision =
  { allow: true } | { allow: false; status: 401 | 403; reason: string; message: string };

/**
 * Fails closed: an undeclared route is refused whoever calls; a public route lets anyone in; otherwise the
 * caller must authenticate (401) and hold one of the declared roles (403). Pure, so its spec covers it all.
 */
export function decideAccess(route: RouteDeclaration, authentication: Authentication): AccessDecision {
  if (!route.isPublic && !route.roles?.length)
    return { allow: false, status: 403, reason: 'ROUTE_UNDECLARED', message: 'forbidden' };
  if (route.isPublic) return { allow: true };
  if ('failure' in authentication) {
    const message =
      authentication.failure === 'NO_CREDENTIALS' ? 'authentication required' : 'invalid credentials';
    return { allow: false, status: 401, reason: authentication.failure, message };
  }
  if (!route.roles!.includes(authentication.principal.role))
    return {
      allow: false,
      status: 403,
      reason: 'ROLE_NOT_ALLOWED',
      message: 'this route is not for your role',
    };
  return { allow: true };
}
