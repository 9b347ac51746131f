import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { OPENAPI_FILE } from '../scripts/openapi';
import { api } from './support/node-api';

/**
 * Issue 12, the node's side of the console on the real services: the committed OpenAPI document, the
 * console's static files and security headers, and the routes the console reads.
 */
describe('console API (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  let consoleDir: string;
  const INDEX =
    '<!doctype html><title>console fixture</title><script type="module" src="/assets/app-1a2b.js"></script>';
  const SCRIPT = 'console.log("fixture");';

  beforeAll(async () => {
    // A stand-in for the Vite build, so serving is tested whether or not the console is built.
    consoleDir = mkdtempSync(path.join(tmpdir(), 'trm-console-'));
    mkdirSync(path.join(consoleDir, 'assets'));
    writeFileSync(path.join(consoleDir, 'index.html'), INDEX);
    writeFileSync(path.join(consoleDir, 'assets', 'app-1a2b.js'), SCRIPT);
    await federation.setUp();
    fr = await federation.start('FR', { consoleDir });
  });

  afterAll(async () => {
    await federation.tearDown();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  describe('OpenAPI', () => {
    it('is what the node serves, byte for byte the committed docs/openapi.json (npm run openapi)', async () => {
      const served = await fetch(`${fr.url}/docs-json`);
      expect(served.status).toBe(200);
      expect(await served.json()).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
    });

    it('names and summarises every operation, each name once', () => {
      const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
        paths: Record<string, Record<string, { operationId?: string; summary?: string }>>;
      };
      const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${route}`, ...operation })),
      );
      expect(operations.length).toBeGreaterThan(40);
      expect(operations.filter((o) => !o.operationId || !o.summary)).toEqual([]);
      const ids = operations.map((o) => o.operationId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(['Cases_open', 'Cases_send', 'Audit_entries']));
    });
  });

  describe('serving the console', () => {
    const csp = (response: Response): Record<string, string> =>
      Object.fromEntries(
        (response.headers.get('content-security-policy') ?? '')
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter((d) => d[0])
          .map(([name, ...values]) => [name, values.join(' ')]),
      );
    const STRICT = {
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
      'base-uri': "'self'",
      'form-action': "'self'",
    };

    it('answers / with the index, never cached, and /assets/* cached for good', async () => {
      const index = await fetch(`${fr.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      expect(await index.text()).toBe(INDEX);
      const asset = await fetch(`${fr.url}/assets/app-1a2b.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await asset.text()).toBe(SCRIPT);
      expect((await fetch(`${fr.url}/assets/missing.js`)).status).toBe(404);
    });

    it('never answers an API path, /docs or an unknown path with the app', async () => {
      for (const route of ['/cases', '/health', '/docs', '/docs-json', '/index.html', '/no-such-page']) {
        const body = await (await fetch(`${fr.url}${route}`)).text();
        expect({ route, app: body.includes('console fixture') }).toEqual({ route, app: false });
      }
      expect((await fetch(`${fr.url}/no-such-page`)).status).toBe(404);
      expect((await api(fr, 'GET', '/health', undefined, { as: 'anonymous' })).body).toMatchObject({
        status: 'ok',
      });
    });

    it('sends helmet headers and the strict policy on the console, the API and a 404; /docs keeps working', async () => {
      const responses = {
        console: await fetch(`${fr.url}/`),
        asset: await fetch(`${fr.url}/assets/app-1a2b.js`),
        api: await fetch(`${fr.url}/health`),
        refused: await fetch(`${fr.url}/auth/me`),
        notFound: await fetch(`${fr.url}/no-such-page`),
      };
      expect(responses.refused.status).toBe(401);
      for (const [what, response] of Object.entries(responses)) {
        expect({ what, csp: csp(response) }).toEqual({ what, csp: expect.objectContaining(STRICT) });
        expect({ what, inline: csp(response)['script-src'] }).toEqual({ what, inline: "'self'" });
        expect({
          what,
          nosniff: response.headers.get('x-content-type-options'),
          frame: response.headers.get('x-frame-options'),
          referrer: response.headers.get('referrer-policy'),
          poweredBy: response.headers.get('x-powered-by'),
        }).toEqual({
          what,
          nosniff: 'nosniff',
          frame: 'SAMEORIGIN',
          referrer: 'no-referrer',
          poweredBy: null,
        });
      }
      const docs = await fetch(`${fr.url}/docs`);
      expect(docs.status).toBe(200);
      const html = await docs.text();
      expect(html).toContain('swagger-ui-init.js');
      // The Swagger page's own <style> needs inline styles; its scripts are still files only.
      expect(csp(docs)).toMatchObject({ 'script-src': "'self'", 'style-src': "'self' 'unsafe-inline'" });
      expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
      const init = await fetch(`${fr.url}/docs/swagger-ui-init.js`);
      expect(init.status).toBe(200);
    });
  });
});
