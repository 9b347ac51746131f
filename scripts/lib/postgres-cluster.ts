import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { freePort } from './rabbitmq-node';

/**
 * A throwaway PostgreSQL cluster of the distribution's own binaries (initdb, pg_ctl), for a test that restarts
 * or crashes a node's database server without touching the machine's shared cluster: its own data directory
 * and socket in a temporary directory, its own port on 127.0.0.1, trust authentication, user `postgres`.
 * Run as root (CI, the dev machines), the server runs as the `postgres` OS user, as PostgreSQL requires.
 *
 * Its directory is `trm-pgcluster-XXXXXX` under the temp directory and holds `mark` (the caller's run mark,
 * scripts/lib/leftovers.ts): a run killed before its afterAll leaves the server running, and the next test run's
 * sweep (sweepDeadRuns) stops it and removes the directory once the marked process is gone.
 */
export const CLUSTER_PREFIX = 'trm-pgcluster-';

const BIN = process.env.TRM_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export type ShutdownMode = 'smart' | 'fast' | 'immediate';

export class PostgresCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** The superuser's URL for the `postgres` database (LocalFederation's pgAdminUrl for the codes on it). */
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb and start. `mark`: written to the directory so a later sweep knows whose it is. */
  static async start(mark: string): Promise<PostgresCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), CLUSTER_PREFIX));
    writeFileSync(path.join(dir, 'mark'), mark);
    const cluster = new PostgresCluster(dir, await freePort());
    try {
      if (userInfo().uid === 0) {
        const { uid, gid } = await postgresIds();
        chownSync(dir, uid, gid);
      }
      await asServerUser([
        path.join(BIN, 'initdb'),
        ...['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'],
      ]);
      appendFileSync(
        path.join(cluster.dataDir, 'postgresql.conf'),
        [
          '',
          `port = ${cluster.port}`,
          `listen_addresses = '127.0.0.1'`,
          `unix_socket_directories = '${dir}'`,
          // The faults are process crashes, not machine crashes: the page cache keeps what was written, so
          // crash recovery is exercised as well without the shared machine's disk doing fsyncs.
          'fsync = off',
          '',
        ].join('\n'),
      );
      await cluster.startServer();
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  /** Starts the server and waits until it takes connections (after crash recovery, if it crashed). */
  async startServer(): Promise<void> {
    await pgCtl(this.dir, ['start', '-w', '-t', '60', '-l', path.join(this.dir, 'server.log')]);
  }

  /**
   * Stops the server. `immediate` is a crash as far as clients see it: every backend ends at once, open
   * transactions are lost, and the next start runs crash recovery.
   */
  async stopServer(mode: ShutdownMode = 'fast'): Promise<void> {
    await pgCtl(this.dir, ['stop', '-w', '-t', '60', '-m', mode]);
  }

  /** Stops the server (immediate) and removes the directory. Safe to call twice. */
  async destroy(): Promise<void> {
    await stopClusterIn(this.dir);
  }
}

/** Stops the server of a cluster directory, if it runs, and removes the directory (also the sweep's step). */
export async function stopClusterIn(dir: string): Promise<void> {
  if (existsSync(path.join(dir, 'data', 'postmaster.pid')))
    await pgCtl(dir, ['stop', '-w', '-t', '30', '-m', 'immediate']).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

/** The mark a cluster directory was made with, or null. */
export function clusterMark(dir: string): string | null {
  try {
    return readFileSync(path.join(dir, 'mark'), 'utf8');
  } catch {
    return null;
  }
}

function pgCtl(dir: string, args: string[]): Promise<string> {
  return asServerUser([path.join(BIN, 'pg_ctl'), '-D', path.join(dir, 'data'), ...args]);
}

/** PostgreSQL refuses to run as root: as root, the command runs as the `postgres` OS user. */
function asServerUser(command: string[]): Promise<string> {
  const [file, ...args] = userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', ...command] : command;
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 120_000 }, (error, stdout, stderr) =>
      error
        ? reject(
            new Error(
              `${path.basename(command[0])} ${command.slice(1, 4).join(' ')}: ${stderr.trim() || error.message}`,
            ),
          )
        : resolve(stdout),
    ),
  );
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const id = (flag: string) =>
    new Promise<number>((resolve, reject) =>
      execFile('id', [flag, 'postgres'], (error, stdout) =>
        error ? reject(error) : resolve(Number(stdout)),
      ),
    );
  return { uid: await id('-u'), gid: await id('-g') };
}
