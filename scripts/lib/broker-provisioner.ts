import { execFile } from 'node:child_process';
import {
  BrokerAdmin,
  BrokerAdminError,
  participantPermissions,
  Permissions,
  TopicPermissions,
} from '../../src/transport/broker-admin';

/**
 * What a local federation (the demo, the tests) needs from the broker's administration: a vhost, one user
 * per participant with PROTOCOL.md's permissions, and their removal. Two ways to get it: the management
 * HTTP API (BrokerAdmin), or `rabbitmqctl` on the broker's machine, which a stock Debian `rabbitmq-server`
 * has although its management plugin is off.
 */
export interface BrokerProvisioner {
  /** Says how, for the demo's output: `the management API at …` or `rabbitmqctl`. */
  readonly via: string;
  createVhost(name: string, description?: string): Promise<void>;
  deleteVhost(name: string): Promise<void>;
  vhostExists(name: string): Promise<boolean>;
  listVhosts(): Promise<Array<{ name: string; description: string }>>;
  userExists(name: string): Promise<boolean>;
  deleteUser(name: string): Promise<void>;
  setupParticipant(vhost: string, code: string, password: string | null): Promise<unknown>;
}

/** BrokerAdmin as a provisioner: it already has every method. */
export function managementProvisioner(url: string, timeoutMs?: number): BrokerProvisioner {
  const admin = new BrokerAdmin({ url, timeoutMs });
  return Object.assign(admin, { via: `the management API at ${admin.endpoint}` });
}

const CTL_TIMEOUT_MS = 30_000;

/**
 * `rabbitmqctl`, run as `TRM_RABBITMQCTL` says (`sudo rabbitmqctl`, `docker compose exec rabbitmq
 * rabbitmqctl`…), default `rabbitmqctl` from the PATH and the sbin directories Debian puts it in. It needs
 * the broker's Erlang cookie, which in practice means root or the `rabbitmq` user.
 *
 * Passwords travel as arguments (`add_user` has no other way in 3.10): only the local federation's fixed,
 * non-secret passwords are ever given to it.
 */
export class RabbitmqctlProvisioner implements BrokerProvisioner {
  readonly via: string;
  private readonly command: string[];

  constructor(
    command = process.env.TRM_RABBITMQCTL?.trim() || 'rabbitmqctl',
    /** The user the federation declares queues as over AMQP (guest): the management API grants it the new vhost itself. */
    private readonly amqpAdminUser = 'guest',
  ) {
    this.command = command.split(/\s+/);
    this.via = command;
  }

  /** True when the command runs and reaches the broker; otherwise why not, in one line. */
  async available(): Promise<true | string> {
    try {
      await this.run(['list_vhosts', 'name']);
      return true;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  async createVhost(name: string, description?: string): Promise<void> {
    await this.run(['add_vhost', name, ...(description ? ['--description', description] : [])]);
    await this.setPermissions(name, this.amqpAdminUser, { configure: '.*', write: '.*', read: '.*' });
  }

  async deleteVhost(name: string): Promise<void> {
    if (await this.vhostExists(name)) await this.run(['delete_vhost', name]);
  }

  async vhostExists(name: string): Promise<boolean> {
    return (await this.listVhosts()).some((vhost) => vhost.name === name);
  }

  async listVhosts(): Promise<Array<{ name: string; description: string }>> {
    const rows = JSON.parse(
      await this.run(['list_vhosts', 'name', 'description', '--formatter', 'json']),
    ) as Array<{
      name: string;
      description?: string;
    }>;
    return rows.map((row) => ({ name: row.name, description: row.description ?? '' }));
  }

  async userExists(name: string): Promise<boolean> {
    const rows = JSON.parse(await this.run(['list_users', '--formatter', 'json'])) as Array<{ user: string }>;
    return rows.some((row) => row.user === name);
  }

  async deleteUser(name: string): Promise<void> {
    if (await this.userExists(name)) await this.run(['delete_user', name]);
  }

  async setupParticipant(vhost: string, code: string, password: string | null): Promise<void> {
    if (password === null) {
      if (!(await this.userExists(code))) throw new Error(`Broker user ${code} does not exist`);
    } else if (await this.userExists(code)) {
      await this.run(['change_password', code, password], [password]);
    } else {
      await this.run(['add_user', code, password], [password]);
    }
    const grant = participantPermissions(code);
    await this.setPermissions(vhost, code, grant.permissions);
    for (const { exchange, ...topic } of grant.topicPermissions)
      await this.setTopicPermissions(vhost, code, exchange, topic);
  }

  async setPermissions(vhost: string, user: string, { configure, write, read }: Permissions): Promise<void> {
    await this.run(['set_permissions', '-p', vhost, user, configure, write, read]);
  }

  async setTopicPermissions(
    vhost: string,
    user: string,
    exchange: string,
    topic: TopicPermissions,
  ): Promise<void> {
    await this.run(['set_topic_permissions', '-p', vhost, user, exchange, topic.write, topic.read]);
  }

  /** Runs one command; its error names the command (without secrets) and what rabbitmqctl said. */
  private run(args: string[], secrets: string[] = []): Promise<string> {
    const [file, ...prefix] = this.command;
    const shown = `${this.via} ${args.map((arg) => (secrets.includes(arg) ? '***' : arg)).join(' ')}`;
    return new Promise((resolve, reject) => {
      execFile(
        file,
        [...prefix, '-q', ...args],
        {
          timeout: CTL_TIMEOUT_MS,
          // Debian installs it in /usr/sbin, which a normal user's PATH lacks.
          env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin` },
        },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const said = (stderr || stdout || error.message).trim().split('\n').slice(0, 3).join(' ');
          const cause =
            (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: command not found` : said;
          reject(
            new Error(`${shown} failed: ${secrets.reduce((text, s) => text.split(s).join('***'), cause)}`),
          );
        },
      );
    });
  }
}

export interface ProvisionerChoice {
  provisioner?: BrokerProvisioner;
  /** Why the management API was not used, when it was not. */
  managementProblem?: string;
  /** Why rabbitmqctl was not used either, when neither works. */
  rabbitmqctlProblem?: string;
  /** The management API answered, but not as an administrator (or refused the credentials). */
  managementRefused?: boolean;
}

/**
 * The management API when it answers as an administrator; otherwise, when it does not answer at all (the
 * plugin is off, a fresh Debian broker), rabbitmqctl if it works here. Credentials the API refuses are a
 * mistake to report, not a reason to go around them.
 */
export async function chooseProvisioner(
  managementUrl: string,
  rabbitmqctl = new RabbitmqctlProvisioner(),
  timeoutMs = 3_000,
): Promise<ProvisionerChoice> {
  const management = managementProvisioner(managementUrl, timeoutMs) as BrokerProvisioner & BrokerAdmin;
  try {
    const me = await management.whoAmI();
    if (me.tags.includes('administrator')) return { provisioner: management };
    return {
      managementProblem: `the management user ${me.name} is not an administrator`,
      managementRefused: true,
    };
  } catch (error) {
    const answered = error instanceof BrokerAdminError && error.status !== undefined;
    const problem = error instanceof Error ? error.message : String(error);
    if (answered) return { managementProblem: problem, managementRefused: true };
    const ctl = await rabbitmqctl.available();
    if (ctl === true) return { provisioner: rabbitmqctl, managementProblem: problem };
    return { managementProblem: problem, rabbitmqctlProblem: ctl };
  }
}
