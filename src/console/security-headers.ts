import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The console's Content-Security-Policy: everything from this origin only, never an inline or injected
 * script, never framed, no plugins. Vite inlines small images and fonts as `data:` URIs (its
 * assetsInlineLimit), hence `data:` for those two and nothing else. Styles are 'self' only: React's `style`
 * props go through the CSSOM, which CSP does not restrict.
 */
export const CONSOLE_CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
};

/**
 * Swagger UI at /docs loads its scripts from files (so scripts stay 'self'), but its page carries a
 * `<style>` block and its stylesheet draws icons from `data:` SVGs: only styles and images are relaxed.
 */
export const DOCS_CSP: Record<string, string[]> = {
  ...CONSOLE_CSP,
  'style-src': ["'self'", "'unsafe-inline'"],
};

const withPolicy = (directives: Record<string, string[]>): RequestHandler =>
  // No upgrade-insecure-requests: a node reached over plain HTTP (a laptop, a test) must still load its assets.
  helmet({ contentSecurityPolicy: { useDefaults: false, directives } });

/** helmet on every response (console, API, errors), with the relaxed policy only for the Swagger page. */
export function securityHeaders(): RequestHandler {
  const strict = withPolicy(CONSOLE_CSP);
  const docs = withPolicy(DOCS_CSP);
  return (request, response, next) =>
    (request.path === '/docs' || request.path.startsWith('/docs/') ? docs : strict)(request, response, next);
}
