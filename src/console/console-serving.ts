import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Serves the built console (docs/console.md): `GET /` is its index.html (never cached, so a new build is
 * picked up at once) and `/assets/*` its fingerprinted files (cached for a year, immutable). Nothing else is
 * served from the folder, so no API path and not /docs can ever answer with the app; its routes live after
 * the `#` and never reach the server.
 */
export function serveConsole(app: NestExpressApplication, consoleDir: string): void {
  const index = path.join(consoleDir, 'index.html');
  if (!existsSync(index))
    new Logger('Console').warn(`no console built at ${consoleDir} (npm run build writes it); / says so`);
  app.useStaticAssets(path.join(consoleDir, 'assets'), {
    prefix: '/assets',
    immutable: true,
    maxAge: '365d',
    index: false,
    redirect: false,
    fallthrough: true,
  });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.path !== '/' || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
    response.sendFile(index, { headers: { 'Cache-Control': 'no-cache' }, dotfiles: 'deny' }, (error) => {
      if (!error || response.headersSent) return;
      response
        .status(503)
        .type('text/plain')
        .send('This node is running, but its console is not built: `npm run build` writes dist/console.\n');
    });
  });
}
