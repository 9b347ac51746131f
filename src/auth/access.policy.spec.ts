import { decideAccess, RouteDeclaration } from './access.policy';
import { ROLES } from './roles';

const coordinator = { principal: { name: 'c', role: 'coordinator' as const } };
const agency = { principal: { name: 'a', role: 'agency' as const, agency: 'ngo-lyon' } };
const anonymous = { failure: 'NO_CREDENTIALS' as const };
const expired = { failure: 'TOKEN_EXPIRED' as const };

describe('decideAccess', () => {
  it.each<[string, RouteDeclaration, Parameters<typeof decideAccess>[1], ReturnType<typeof decideAccess>]>([
    ['undeclared, anonymous', { isPublic: false }, anonymous, deny(403, 'ROUTE_UNDECLARED')],
    ['undeclared, authenticated', { isPublic: false }, coordinator, deny(403, 'ROUTE_UNDECLARED')],
    ['empty role list', { isPublic: false, roles: [] }, coordinator, deny(403, 'ROUTE_UNDECLARED')],
    ['public, anonymous', { isPublic: true }, anonymous, { allow: true }],
    ['public, bad token', { isPublic: true }, expired, { allow: true }],
    [
      'declared, anonymous',
      { isPublic: false, roles: ['coordinator'] },
      anonymous,
      deny(401, 'NO_CREDENTIALS'),
    ],
    [
      'declared, expired token',
      { isPublic: false, roles: ['coordinator'] },
      expired,
      deny(401, 'TOKEN_EXPIRED'),
    ],
    [
      'declared, other role',
      { isPublic: false, roles: ['coordinator'] },
      agency,
      deny(403, 'ROLE_NOT_ALLOWED'),
    ],
    [
      'declared, its role',
      { isPublic: false, roles: ['coordinator', 'auditor'] },
      coordinator,
      { allow: true },
    ],
    ['every role', { isPublic: false, roles: ROLES }, agency, { allow: true }],
  ])('%s', (_, route, authentication, expected) => {
    expect(decideAccess(route, authentication)).toEqual(expected);
  });
});

function deny(status: 401 | 403, reason: string): ReturnType<typeof decideAccess> {
  return { allow: false, status, reason, message: expect.any(String) };
}
