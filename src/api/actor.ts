import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { principalOf } from '../auth/principal';
import { actorOf } from '../auth/roles';

/**
 * Who is acting, for the audit log and `messages.submitted_by`: the authenticated principal, as
 * `api:<account name>` or, for an agency, `agency:<code>`.
 */
export const Actor = createParamDecorator((_: unknown, context: ExecutionContext): string =>
  actorOf(principalOf(context)),
);
