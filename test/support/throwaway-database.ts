import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { markDatabase } from '../../scripts/lib/leftovers';

type Migration = (typeof MIGRATIONS)[number];

/**
 * A throwaway PostgreSQL database for a migration test, with its own keys directory: brought to the schema
 * an older node left (every migration but the ones under test), reopened as the test needs, then dropped.
 */
export class ThrowawayDatabase {
  /** The DataSource opened last; opening another or dropping the database closes it. */
  dataSource?: DataSource;

  private constructor(
    private readonly adminUrl: string,
    readonly name: string,
    readonly url: string,
    readonly keysDir: string,
  ) {}

  static async create(): Promise<ThrowawayDatabase> {
    const adminUrl = process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `trm_migration_${randomBytes(4).toString('hex')}`;
    await admin(adminUrl, `CREATE DATABASE ${name}`);
    await admin(adminUrl, (client) => markDatabase(client, name, name));
    const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
    return new ThrowawayDatabase(
      adminUrl,
      name,
      url,
      mkdtempSync(path.join(tmpdir(), 'trm-migration-keys-')),
    );
  }

  /** Opens a DataSource on this database with these migrations (and entities), closing the previous one. */
  async open(options: {
    migrations: Migration[];
    entities?: DataSourceOptions['entities'];
  }): Promise<DataSource> {
    await this.close();
    this.dataSource = await new DataSource({ type: 'postgres', url: this.url, ...options }).initialize();
    return this.dataSource;
  }

  /** Runs every migration but `skipped`: the schema as a node older than them left it. */
  async migrateWithout(...skipped: Migration[]): Promise<DataSource> {
    const dataSource = await this.open({ migrations: MIGRATIONS.filter((m) => !skipped.includes(m)) });
    await dataSource.runMigrations();
    return dataSource;
  }

  async drop(): Promise<void> {
    await this.close();
    await admin(this.adminUrl, `DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    rmSync(this.keysDir, { recursive: true, force: true });
  }

  private async close(): Promise<void> {
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
  }
}

async function admin(adminUrl: string, work: string | ((client: Client) => Promise<void>)): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    if (typeof work === 'string') await client.query(work);
    else await work(client);
  } finally {
    await client.end();
  }
}
