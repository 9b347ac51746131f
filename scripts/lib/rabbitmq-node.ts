import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A throwaway RabbitMQ node of the distribution's own `rabbitmq-server`, for one country's broker in the
 * federated tests and `npm run demo -- --federated`: its own node name, ports, data and log directories in
 * a temporary directory, and plugins (federation, management) from its own enabled-plugins file. The
 * machine's broker and its configuration are left alone. The Erlang cookie is the default
 * (~/.erlang.cookie), so `rabbitmqctl -n <node>` reaches it.
 */
export interface RabbitmqNodeOptions {
  /** Short name, e.g. `trm-ab12-fr`: the node is `<name>@localhost`. */
  name: string;
  plugins?: string[];
  /**
   * An AMQPS listener too, on its own port, that only takes clients with a certificate one of `cacertfile`'s
   * CAs issued (mutual TLS, as the federation links use: docs/deployment.md).
   */
  tls?: { cacertfile: string; certfile: string; keyfile: string };
}

/** Where the server scripts are: run directly, not through Debian's /usr/sbin wrappers that become `rabbitmq`. */
const BIN =
  process.env.TRM_RABBITMQ_BIN ?? (existsSync('/usr/lib/rabbitmq/bin') ? '/usr/lib/rabbitmq/bin' : '');
const tool = (name: string): string => (BIN ? path.join(BIN, name) : name);

/** `rabbitmqctl` takes its own distribution ports from 35672 up: never give those to a node. */
const CLI_PORTS = [35672, 35682];

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (port < CLI_PORTS[0] - 20 || port > CLI_PORTS[1]) return port;
  }
}

export class RabbitmqNode {
  readonly node: string;
  private process?: ChildProcess;

  private constructor(
    readonly name: string,
    readonly amqpPort: number,
    readonly managementPort: number,
    readonly distPort: number,
    readonly dir: string,
    /** The AMQPS port, when started with `tls`. */
    readonly tlsPort?: number,
  ) {
    this.node = `${name}@localhost`;
  }

  get amqpHost(): string {
    return `127.0.0.1:${this.amqpPort}`;
  }

  /** The management API with the node's default administrator (guest, from localhost only). */
  get managementUrl(): string {
    return `http://guest:guest@127.0.0.1:${this.managementPort}`;
  }

  /** Starts the node and waits for its management API (which answers once the node has booted). */
  static async start(options: RabbitmqNodeOptions, timeoutMs = 120_000): Promise<RabbitmqNode> {
    const dir = mkdtempSync(path.join(tmpdir(), `${options.name}-`));
    const [amqpPort, managementPort, distPort] = [await freePort(), await freePort(), await freePort()];
    const tlsPort = options.tls ? await freePort() : undefined;
    const broker = new RabbitmqNode(options.name, amqpPort, managementPort, distPort, dir, tlsPort);
    const tls = options.tls
      ? [
          `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
          `ssl_options.cacertfile = ${options.tls.cacertfile}`,
          `ssl_options.certfile = ${options.tls.certfile}`,
          `ssl_options.keyfile = ${options.tls.keyfile}`,
          'ssl_options.verify = verify_peer',
          'ssl_options.fail_if_no_peer_cert = true',
        ]
      : [];
    const plugins = options.plugins ?? [
      'rabbitmq_management',
      'rabbitmq_federation',
      'rabbitmq_federation_management',
    ];
    writeFileSync(path.join(dir, 'enabled_plugins'), `[${plugins.join(',')}].\n`);
    writeFileSync(
      path.join(dir, 'rabbitmq.conf'),
      [
        `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
        `management.tcp.ip = 127.0.0.1`,
        `management.tcp.port = ${managementPort}`,
        ...tls,
        '',
      ].join('\n'),
    );
    broker.process = spawn(tool('rabbitmq-server'), [], {
      env: {
        ...process.env,
        RABBITMQ_NODENAME: broker.node,
        RABBITMQ_NODE_PORT: String(amqpPort),
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
        RABBITMQ_LOG_BASE: path.join(dir, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
        RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
        // Not the machine's advanced.config nor its rabbitmq-env.conf listeners.
        RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
      },
      stdio: 'ignore',
      // Its own process group: stop() can end the server and every Erlang process it started.
      detached: true,
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (broker.process.exitCode !== null) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`RabbitMQ node ${broker.node} exited while starting (logs were in ${dir}/log)`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${managementPort}/api/overview`, {
          headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
        });
        if (response.ok) return broker;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await broker.stop();
        throw new Error(`RabbitMQ node ${broker.node} did not start within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** `rabbitmqctl -n <node> <args>`, without the RABBITMQ_* settings of this process. */
  ctl(args: string[], timeoutMs = 60_000): Promise<string> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RABBITMQ_')));
    return new Promise((resolve, reject) =>
      execFile(
        tool('rabbitmqctl'),
        ['-q', '-n', this.node, ...args],
        { env, timeout: timeoutMs },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`rabbitmqctl ${args[0]}: ${stderr.trim() || error.message}`))
            : resolve(stdout),
      ),
    );
  }

  /** Makes this fresh node a member of `other`'s cluster (same Erlang cookie: the default one). */
  async joinCluster(other: RabbitmqNode): Promise<void> {
    await this.ctl(['stop_app']);
    await this.ctl(['join_cluster', other.node]);
    await this.ctl(['start_app']);
    await this.ctl(['await_startup'], 120_000);
  }

  /** Stops the node (gracefully, else killed) and removes its directory. Safe to call twice. */
  async stop(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await this.ctl(['stop'], 30_000).catch(() => undefined);
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 20_000);
      await exited;
      clearTimeout(timer);
    }
    // epmd and the CLI's processes are not ours; the group of the server is.
    try {
      if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the whole group has exited
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
