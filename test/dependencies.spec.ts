import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Issue 14, "remove dependencies that nothing imports": every package of package.json is imported by the
 * code (src, test, scripts, bench, migrations, console, the configs), or is listed below with the reason it
 * is there without an import. A dependency added and never used, or one whose last import goes, fails here.
 */

const ROOT = path.resolve(__dirname, '..');

const NOT_IMPORTED: Record<string, string> = {
  '@nestjs/cli': 'the build (`nest build`)',
  eslint: 'npm run lint',
  prettier: 'npm run lint and format',
  jest: 'npm test',
  'ts-jest': "jest's TypeScript transform (jest.config.js)",
  'ts-node': 'runs the scripts (package.json) and the verifier threads from sources',
  'openapi-typescript': 'npm run console:client',
  'amqp-connection-manager': "loaded by @nestjs/microservices' RMQ transport (the bench's NestJS peer)",
  '@types/amqplib': 'types of amqplib',
  '@types/express': 'types of express (imported as `express`)',
  '@types/jest': "jest's globals",
  '@types/node': "Node's modules",
  '@types/pg': 'types of pg',
  '@types/react': 'types of react',
  '@types/react-dom': 'types of react-dom',
};

const SOURCES = ['src', 'test', 'scripts', 'bench', 'migrations', 'console'];
const CONFIGS = ['eslint.config.mjs', 'jest.config.js'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === 'schema.d.ts') return [];
    if (statSync(full).isDirectory()) return files(full);
    return /\.(ts|tsx|mjs|js)$/.test(name) ? [full] : [];
  });
}

const TEXT = [
  ...SOURCES.flatMap((dir) => files(path.join(ROOT, dir))),
  ...CONFIGS.map((f) => path.join(ROOT, f)),
]
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

/** `from 'x'`, `from 'x/sub'`, `import 'x'`, `require('x')`, `import('x')`. */
function imported(name: string): boolean {
  const escaped = name.replace(/[/.@-]/g, (c) => `\\${c}`);
  return new RegExp(`(?:from|import|require\\(|import\\()\\s*['"]${escaped}(?:/[^'"]*)?['"]`).test(TEXT);
}

describe('dependencies (package.json)', () => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const all = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)];

  it('are each imported, or listed with the reason they are not', () => {
    expect(all.filter((name) => !imported(name) && !(name in NOT_IMPORTED))).toEqual([]);
  });

  it('list no package as not imported that is imported, or that is gone', () => {
    expect(Object.keys(NOT_IMPORTED).filter((name) => imported(name) || !all.includes(name))).toEqual([]);
  });
});
