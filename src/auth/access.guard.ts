import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AccessError, AccessErrorCode } from './access.errors';
import { decideAccess } from './access.policy';
import { LoginService } from './login.service';
import type { AuthenticatedRequest } from './principal';
import { RateLimited, RateLimitGuard } from './rate-limit.guard';
import { actorOf, PUBLIC_KEY, Role, ROLES_KEY } from './roles';

/** How long after auditing a principal's rate-limit refusal the next ones are only counted. */
const RATE_LIMIT_AUDIT_WINDOW_MS = 60_000;

/**
 * The one guard of the HTTP API (APP_GUARD), failing closed: authenticate → rate-limit → authorise. A route
 * that declares neither @Roles(...) nor @Public() is refused to everyone. Missing or bad credentials: 401;
 * a role outside the declaration: 403; every denial is audited (ACCESS_DENIED), with the method, the route
 * pattern (never the path as sent, the body or the credentials) and the principal or `anonymous`.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);
  /** principal or IP → until when further 429s are only counted (see docs/access.md). */
  private readonly rateLimitAudited = new Map<string, { until: number; refused: number }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly login: LoginService,
    private readonly rateLimit: RateLimitGuard,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true;

    const authentication = await this.login.authenticate(
      singleHeader(request.headers.authorization),
      singleHeader(request.headers['x-api-key']),
    );
    if ('principal' in authentication) request.principal = authentication.principal;

    try {
      await this.rateLimit.canActivate(context);
    } catch (error) {
      if (error instanceof RateLimited) await this.auditRateLimit(request, error);
      throw error;
    }

    const decision = decideAccess({ roles, isPublic }, authentication);
    if (decision.allow) return true;
    const actor = request.principal
      ? actorOf(request.principal)
      : 'failure' in authentication && authentication.actor
        ? authentication.actor
        : 'anonymous';
    await this.audit.record(this.dataSource.manager, {
      action: 'ACCESS_DENIED',
      actor,
      decision: 'DENY',
      reasonCode: decision.reason,
      details: { method: request.method, route: routePattern(request), status: decision.status },
    });
    throw new AccessError(
      decision.status === 401 ? AccessErrorCode.UNAUTHENTICATED : AccessErrorCode.FORBIDDEN,
      decision.message,
    );
  }

  /**
   * The first refusal per principal (or IP) in a minute is audited; the rest are counted and the count goes
   * into the next entry: a flood of requests must not become a flood of append-only audit rows.
   */
  private async auditRateLimit(request: AuthenticatedRequest, refused: RateLimited): Promise<void> {
    const now = Date.now();
    const seen = this.rateLimitAudited.get(refused.tracker);
    if (seen && seen.until > now) {
      seen.refused++;
      return;
    }
    if (this.rateLimitAudited.size > 10_000) {
      for (const [key, value] of this.rateLimitAudited)
        if (value.until <= now) this.rateLimitAudited.delete(key);
    }
    this.rateLimitAudited.set(refused.tracker, { until: now + RATE_LIMIT_AUDIT_WINDOW_MS, refused: 0 });
    await this.audit
      .record(this.dataSource.manager, {
        action: 'RATE_LIMITED',
        actor: request.principal ? actorOf(request.principal) : 'anonymous',
        decision: 'DENY',
        reasonCode: refused.limit === 'login' ? 'LOGIN_RATE_LIMIT' : 'RATE_LIMIT',
        details: {
          method: request.method,
          route: routePattern(request),
          tracker: refused.tracker,
          refusedSinceLastEntry: seen?.refused ?? 0,
        },
      })
      .catch((error: unknown) => this.logger.error(`could not audit a rate-limit refusal: ${String(error)}`));
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The route as declared (`/cases/:caseRef`), never the path as sent, which may carry anything. */
function routePattern(request: AuthenticatedRequest): string {
  const route = (request.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? route : '(unmatched)';
}
