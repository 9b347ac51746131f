import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/config';
import { databaseName } from '../scripts/federation-provision';

/**
 * No container engine runs on these machines (no daemon, no `docker compose`, no hadolint in Debian), so the
 * image and the compose demo are checked by reading them: every node service against the configuration the
 * node validates at boot, the provisioning against what the nodes connect with, and the Dockerfile's stages.
 * What this does not prove (that the image builds and the federation comes up) is said in the README.
 */

const ROOT = path.resolve(__dirname, '..');

interface Service {
  profiles?: string[];
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
}

const COMPOSE = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const DEMO = Object.entries(COMPOSE.services).filter(([, s]) => s.profiles?.includes('demo'));
const NODES = DEMO.filter(([, s]) => s.command?.join(' ') === 'node dist/src/main.js');
const PROVISION = COMPOSE.services.provision;

/** The compiled file a command runs, back to the source `nest build` compiles it from (tsconfig.build). */
function sourceOf(compiled: string): string {
  return path.join(ROOT, compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
}

/** The variables loadConfig reads, learnt by watching it read an environment. */
function variablesLoadConfigReads(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  loadConfig(
    new Proxy(env, {
      get: (target, name) => {
        if (typeof name === 'string') read.add(name);
        return target[name as string];
      },
    }),
  );
  return read;
}

describe('the compose demo (docker-compose.yml, profile demo)', () => {
  it('starts FR, IT and MK from the image the provisioning builds, each on its own loopback port', () => {
    expect(NODES.map(([name, s]) => [name, s.environment?.TRM_COUNTRY])).toEqual([
      ['fr', 'FR'],
      ['it', 'IT'],
      ['mk', 'MK'],
    ]);
    expect(PROVISION.build).toBe('.');
    for (const [, node] of NODES) expect(node.image).toBe(PROVISION.image);
    const ports = NODES.map(([, s]) => s.ports?.[0]);
    expect(ports).toEqual(['127.0.0.1:3001:3000', '127.0.0.1:3002:3000', '127.0.0.1:3003:3000']);
    // Each command runs a file the build compiles.
    for (const [, service] of DEMO) expect(existsSync(sourceOf(service.command![1]))).toBe(true);
  });

  it.each(NODES.map(([name]) => [name]))(
    '%s: an environment the node accepts, every variable one it reads, none missing',
    (name) => {
      const env = COMPOSE.services[name].environment!;
      expect(() => loadConfig(env)).not.toThrow();
      const read = variablesLoadConfigReads(env);
      expect(Object.keys(env).filter((variable) => !read.has(variable))).toEqual([]);
      // Each required one is there: without it the node would stop at boot.
      for (const variable of [
        'TRM_COUNTRY',
        'TRM_DIRECTORY_FILE',
        'DATABASE_URL',
        'AMQP_URL',
        'TRM_AUTH_SECRET',
      ]) {
        const { [variable]: _removed, ...without } = env;
        expect(() => loadConfig(without)).toThrow(variable);
      }
    },
  );

  it.each(NODES.map(([name]) => [name]))(
    '%s: connects with what the provisioning made (broker user, vhost, database, role, passwords, files)',
    (name) => {
      const node = COMPOSE.services[name];
      const env = node.environment!;
      const code = env.TRM_COUNTRY;
      const provisioning = PROVISION.environment!;
      expect(provisioning.TRM_FEDERATION_COUNTRIES.split(',')).toContain(code);

      // PROTOCOL.md: the broker user is named by the country code.
      const amqp = new URL(env.AMQP_URL);
      expect([amqp.username, amqp.password]).toEqual([code, provisioning[`TRM_BROKER_PASSWORD_${code}`]]);
      expect(decodeURIComponent(amqp.pathname.slice(1))).toBe(provisioning.TRM_BROKER_VHOST);
      expect(amqp.hostname).toBe('rabbitmq');

      const database = new URL(env.DATABASE_URL);
      expect([database.username, database.password, database.pathname]).toEqual([
        databaseName(code),
        provisioning[`TRM_DB_PASSWORD_${code}`],
        `/${databaseName(code)}`,
      ]);
      expect(database.hostname).toBe('postgres');

      // The directory file and keys are in the volume the provisioning writes, mounted read-only here.
      const [volume, mountedAt] = PROVISION.volumes![0].split(':');
      expect(provisioning.TRM_FEDERATION_DIR).toBe(mountedAt);
      expect(node.volumes).toEqual([`${volume}:${mountedAt}:ro`]);
      expect(env.TRM_DIRECTORY_FILE).toBe(`${mountedAt}/directory.json`);
      expect(env.TRM_KEYS_DIR).toBe(`${mountedAt}/keys`);
      expect(COMPOSE.volumes).toHaveProperty(volume);

      // Started once the provisioning has finished, which waits for a healthy broker and database.
      expect(node.depends_on).toEqual({ provision: { condition: 'service_completed_successfully' } });
    },
  );

  it('provisions once the broker and the database are healthy', () => {
    expect(PROVISION.depends_on).toEqual({
      rabbitmq: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
    const env = PROVISION.environment!;
    expect(new URL(env.RABBITMQ_MANAGEMENT_URL).host).toBe('rabbitmq:15672');
    expect(new URL(env.AMQP_ADMIN_URL).host).toBe('rabbitmq:5672');
    expect(new URL(env.TRM_PG_ADMIN_URL).host).toBe('postgres:5432');
    // The broker image has the management API the provisioning uses.
    expect(COMPOSE.services.rabbitmq.image).toMatch(/-management$/);
  });
});

describe('the image (Dockerfile)', () => {
  const lines = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: Array<{ name: string; lines: string[] }> = [];
  for (const line of lines) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)$/i.exec(line);
    if (from) stages.push({ name: from[1], lines: [] });
    else stages.at(-1)!.lines.push(line);
  }
  const runtime = stages.at(-1)!;

  it('is multi-stage: the build has every dependency, another stage only the production ones', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'production-dependencies', 'runtime']);
    expect(stages[0].lines).toEqual(expect.arrayContaining(['RUN npm ci', 'RUN npm run build']));
    expect(stages[1].lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
  });

  it('runs with the production dependencies, the built node and its console, nothing else of the build', () => {
    const copies = runtime.lines.filter((l) => l.startsWith('COPY'));
    expect(copies).toEqual(
      expect.arrayContaining([
        'COPY --from=production-dependencies /app/node_modules ./node_modules',
        'COPY --from=build /app/dist ./dist',
      ]),
    );
    expect(copies.filter((l) => l.includes('node_modules'))).toHaveLength(1);
    // `npm run build` writes the console into dist/console, which the node serves (config: consoleDir).
    expect(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).toMatch(
      /"build": "nest build && npm run build:console"/,
    );
    // The payload schemas the OpenAPI document reads at boot (src/api/openapi-payloads.ts).
    expect(copies).toContain('COPY docs/schemas ./docs/schemas');
    expect(runtime.lines).toContain('CMD ["node", "dist/src/main.js"]');
  });

  it('runs as a user that is not root, with a health check on /health/live', () => {
    const users = runtime.lines.filter((l) => l.startsWith('USER '));
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER\s+(root|0)(:|$)/);
    // Nothing after USER runs as root again.
    expect(runtime.lines.indexOf(users[0])).toBeLessThan(runtime.lines.findIndex((l) => l.startsWith('CMD')));
    const healthcheck = runtime.lines.find((l) => l.startsWith('HEALTHCHECK'));
    expect(healthcheck).toMatch(/\/health\/live/);
  });

  it('keeps keys, build output and local dependencies out of the build context (.dockerignore)', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'keys']));
  });
});
