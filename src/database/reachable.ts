import { DataSource } from 'typeorm';

/** Whether PostgreSQL answers right now: consumers hold their deliveries (unacked) while it does not. */
export async function databaseReachable(dataSource: DataSource): Promise<boolean> {
  try {
    await dataSource.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
