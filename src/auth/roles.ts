import { SetMetadata } from '@nestjs/common';

/** The roles of issue 5. Every HTTP route declares which of them may call it (or that it is public). */
export const ROLES = ['coordinator', 'agency', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLES_KEY = 'trm:roles';
export const PUBLIC_KEY = 'trm:public';

/** The roles allowed on a route or controller. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route anyone may call without credentials (health, directory of public keys). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Who is calling, once authenticated: an account (password + token) or an agency's API key. */
export interface Principal {
  /** Account name, unique per node. */
  name: string;
  role: Role;
  /** For role `agency`: the agency's code, which scopes what it may see. */
  agency?: string;
}

/** How a principal appears in the audit log and in `messages.submitted_by`. */
export function actorOf(principal: Principal): string {
  return principal.role === 'agency' && principal.agency
    ? `agency:${principal.agency}`
    : `api:${principal.name}`;
}
