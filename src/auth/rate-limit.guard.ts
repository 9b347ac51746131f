import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { AuthenticatedRequest } from './principal';

export const LOGIN_THROTTLER = 'login';
/** Marks the login route, the only one the tighter `login` limit applies to. */
export const LOGIN_ROUTE_KEY = 'trm:login-route';

/** A refusal, with who was refused and for how long, so the access guard can audit it. */
export class RateLimited extends ThrottlerException {
  constructor(
    readonly tracker: string,
    readonly limit: string,
    readonly retryAfterSeconds: number,
  ) {
    super('too many requests; retry after the number of seconds in Retry-After');
  }
}

/**
 * @nestjs/throttler, counted per principal (per IP address when anonymous) across every route, rather than
 * per route; not an APP_GUARD of its own: AccessGuard calls it after authenticating, so the tracker is
 * known, and before authorising, so a flood of bad requests is cut short before each writes an audit entry.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = (req as unknown as AuthenticatedRequest).principal;
    return principal ? `principal:${principal.name}` : `ip:${await super.getTracker(req)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}|${tracker}`;
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // The library names the header of a named limit `Retry-After-<name>`; clients know `Retry-After`.
    const seconds = Math.max(1, detail.timeToBlockExpire);
    context
      .switchToHttp()
      .getResponse<{ setHeader(name: string, value: string): void }>()
      .setHeader('Retry-After', String(seconds));
    throw new RateLimited(detail.tracker, detail.key.split('|')[0], seconds);
  }
}
