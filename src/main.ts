import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createNode } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createNode(config);
  await app.listen(config.port);
  new Logger('Node').log(`NCP node ${config.country} listening on port ${config.port} (OpenAPI at /docs)`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`node failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
