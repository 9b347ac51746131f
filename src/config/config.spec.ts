import * as path from 'node:path';
import { ConfigError, loadConfig, parseTrustProxy } from './config';

const valid = {
  TRM_COUNTRY: 'MK',
  TRM_DIRECTORY_FILE: '/etc/trm/directory.json',
  TRM_KEYS_DIR: '/etc/trm/keys',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/trm_mk',
  AMQP_URL: 'amqp://MK:secret@127.0.0.1:5672/trm',
  PORT: '3000',
  TRM_AUTH_SECRET: 'a-test-secret-of-at-least-32-characters',
};

describe('loadConfig', () => {
  it('reads a complete environment with defaults for the rest', () => {
    expect(loadConfig(valid)).toMatchObject({
      country: 'MK',
      directoryFile: '/etc/trm/directory.json',
      keysDir: '/etc/trm/keys',
      port: 3000,
      outboxRelay: true,
      maxMessageBytes: 256 * 1024,
      logLevel: 'log',
    });
  });

  it('reads the statistics small-cell threshold: 5 by default, at least 2', () => {
    expect(loadConfig(valid).statisticsMinCell).toBe(5);
    expect(loadConfig({ ...valid, TRM_STATISTICS_MIN_CELL: '10' }).statisticsMinCell).toBe(10);
    expect(() => loadConfig({ ...valid, TRM_STATISTICS_MIN_CELL: '1' })).toThrow(
      /TRM_STATISTICS_MIN_CELL must be an integer >= 2/,
    );
  });

  it('finds the built console under the project root, wherever the node runs from, unless TRM_CONSOLE_DIR says', () => {
    expect(loadConfig(valid).consoleDir).toBe(path.resolve(__dirname, '..', '..', 'dist', 'console'));
    expect(loadConfig({ ...valid, TRM_CONSOLE_DIR: '/srv/console' }).consoleDir).toBe('/srv/console');
  });

  it('reports every problem at once', () => {
    const attempt = () =>
      loadConfig({
        TRM_COUNTRY: 'mkd',
        DATABASE_URL: 'mysql://x',
        PORT: 'eighty',
        TRM_OUTBOX_RELAY: 'maybe',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'TRM_COUNTRY must be an ISO 3166-1 alpha-2 code, e.g. FR',
        'TRM_DIRECTORY_FILE is required',
        'DATABASE_URL must be a postgres:// URL',
        'AMQP_URL is required',
        'PORT must be an integer >= 0',
        'TRM_OUTBOX_RELAY must be on or off',
        'TRM_AUTH_SECRET is required',
      ]);
    }
  });

  it('refuses a short token secret without repeating it, and reads the access settings', () => {
    expect(() => loadConfig({ ...valid, TRM_AUTH_SECRET: 'short-secret' })).toThrow(
      /TRM_AUTH_SECRET must be at least 32 characters/,
    );
    try {
      loadConfig({ ...valid, TRM_AUTH_SECRET: 'short-secret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret');
    }
    expect(
      loadConfig({ ...valid, TRM_AUTH_LOCKOUT_MINUTES: '2', TRM_LOGIN_RATE_LIMIT_PER_MINUTE: '3' }).auth,
    ).toEqual({
      secret: valid.TRM_AUTH_SECRET,
      tokenTtlSeconds: 900,
      maxFailedLogins: 5,
      lockoutMs: 120_000,
      rateLimitPerMinute: 300,
      loginRateLimitPerMinute: 3,
    });
  });

  it('reads the inbound window, concurrency and per-sender cap, and refuses a cap the window cannot reach', () => {
    expect(loadConfig(valid)).toMatchObject({
      inboundPrefetch: 256,
      inboundConcurrency: 64,
      inboundMaxPendingPerSender: 128,
    });
    expect(
      loadConfig({
        ...valid,
        TRM_INBOUND_PREFETCH: '1000',
        TRM_INBOUND_CONCURRENCY: '4',
        TRM_INBOUND_MAX_PENDING_PER_SENDER: '0',
      }),
    ).toMatchObject({ inboundPrefetch: 1000, inboundConcurrency: 4, inboundMaxPendingPerSender: 0 });
    expect(() =>
      loadConfig({ ...valid, TRM_INBOUND_PREFETCH: '100', TRM_INBOUND_MAX_PENDING_PER_SENDER: '100' }),
    ).toThrow(/TRM_INBOUND_MAX_PENDING_PER_SENDER must be below TRM_INBOUND_PREFETCH/);
    expect(() => loadConfig({ ...valid, TRM_INBOUND_CONCURRENCY: '0' })).toThrow(
      /TRM_INBOUND_CONCURRENCY must be an integer >= 1/,
    );
  });

  it('runs the urgent lane in a thread of its own unless told to keep it inline', () => {
    expect(loadConfig(valid).urgentLane).toBe('thread');
    expect(loadConfig({ ...valid, TRM_URGENT_LANE: 'inline' }).urgentLane).toBe('inline');
    expect(loadConfig(valid).urgentLaneOnly).toBeUndefined();
    expect(() => loadConfig({ ...valid, TRM_URGENT_LANE: 'process' })).toThrow(
      /TRM_URGENT_LANE must be thread or inline/,
    );
  });

  it('takes the members of a national cluster in AMQP_URL, each an AMQP URL', () => {
    const members = 'amqp://MK:secret@mq1:5672/trm, amqp://MK:secret@mq2:5672/trm';
    expect(loadConfig({ ...valid, AMQP_URL: members }).amqpUrl).toBe(members);
    expect(() => loadConfig({ ...valid, AMQP_URL: 'amqp://MK:secret@mq1/trm,mq2:5672' })).toThrow(
      /AMQP_URL must be an amqp:\/\/ or amqps:\/\/ URL/,
    );
  });

  it('never repeats a secret from the environment in its errors', () => {
    const environment = { ...valid, AMQP_URL: 'http://MK:hunter2@broker', PORT: '-1' };
    expect(() => loadConfig(environment)).toThrow(ConfigError);
    let thrown: unknown;
    try {
      loadConfig(environment);
    } catch (error) {
      thrown = error;
    }
    // The problems are named (so the check below looks at a real message), the secret is not.
    expect((thrown as ConfigError).problems).toEqual([
      'AMQP_URL must be an amqp:// or amqps:// URL',
      'PORT must be an integer >= 0',
    ]);
    expect((thrown as ConfigError).message).toContain('AMQP_URL');
    expect((thrown as ConfigError).message).not.toContain('hunter2');
  });
});

describe('TRM_TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['off', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.1', ['10.0.0.0/8', '192.168.1.1']],
    ['loopback,fd00::/8', ['loopback', 'fd00::/8']],
    ['::1', ['::1']],
  ])('%p is trust proxy %p', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
    expect(loadConfig({ ...valid, TRM_TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it.each(['true', 'yes', '10.0.0.0/33', '10.0.0', 'fd00::/129', 'proxy.example.eu', '-1', '1.5'])(
    'refuses %p',
    (raw) => {
      expect(parseTrustProxy(raw)).toEqual(expect.stringMatching(/^TRM_TRUST_PROXY must be false, a number/));
      expect(() => loadConfig({ ...valid, TRM_TRUST_PROXY: raw })).toThrow(/TRM_TRUST_PROXY must be/);
    },
  );
});

describe('logs and metrics settings', () => {
  it('reads TRM_LOG_FORMAT, TRM_METRICS_PORT and TRM_METRICS_HOST', () => {
    expect(loadConfig({ ...valid, TRM_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ ...valid, TRM_LOG_FORMAT: 'text' }).logFormat).toBe('text');
    expect(loadConfig(valid)).toMatchObject({ metricsPort: null, metricsHost: '127.0.0.1' });
    expect(loadConfig({ ...valid, TRM_METRICS_PORT: '9464', TRM_METRICS_HOST: '10.0.0.2' })).toMatchObject({
      metricsPort: 9464,
      metricsHost: '10.0.0.2',
    });
  });

  it('defaults to text on a terminal and JSON elsewhere', () => {
    const isTTY = process.stdout.isTTY;
    try {
      process.stdout.isTTY = true;
      expect(loadConfig(valid).logFormat).toBe('text');
      process.stdout.isTTY = false;
      expect(loadConfig(valid).logFormat).toBe('json');
    } finally {
      process.stdout.isTTY = isTTY;
    }
  });

  it('refuses other values', () => {
    expect(() => loadConfig({ ...valid, TRM_LOG_FORMAT: 'xml', TRM_METRICS_PORT: 'nine' })).toThrow(
      /TRM_LOG_FORMAT must be json or text[\s\S]*TRM_METRICS_PORT must be an integer >= 0/,
    );
  });
});
