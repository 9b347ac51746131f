import { DataSource } from 'typeorm';

/** Any fixed number works; it only has to be the same for every instance of a node. */
const MIGRATION_LOCK_KEY = 7_240_317;

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so several instances of one node starting at
 * once do not race each other through the same migration.
 */
export async function migrateWithLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
