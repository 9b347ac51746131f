// Writes the node's OpenAPI document to docs/openapi.json without a database or a broker: Nest builds the
// module graph in preview mode (no provider is instantiated, so nothing connects) and Swagger reads the
// controllers' metadata from it. The console's typed client is generated from the committed file, and an
// e2e test checks a running node serves exactly this document. Run: npm run openapi.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { openApiDocument } from '../src/bootstrap';
import { loadConfig } from '../src/config/config';

export const OPENAPI_FILE = resolve(__dirname, '..', 'docs', 'openapi.json');

/** Placeholder settings: the document does not depend on them, and preview mode connects to nothing. */
const PREVIEW_ENV = {
  TRM_COUNTRY: 'XX',
  TRM_DIRECTORY_FILE: '/nonexistent/directory.json',
  TRM_KEYS_DIR: '/nonexistent/keys',
  DATABASE_URL: 'postgres://preview@127.0.0.1:1/preview',
  AMQP_URL: 'amqp://preview@127.0.0.1:1',
  TRM_AUTH_SECRET: 'preview-only-'.padEnd(40, 'x'),
};

export async function buildOpenApiJson(): Promise<string> {
  const app = await NestFactory.create(AppModule.forNode(loadConfig(PREVIEW_ENV)), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return `${JSON.stringify(openApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  buildOpenApiJson()
    .then((json) => {
      writeFileSync(OPENAPI_FILE, json);
      process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`openapi: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
