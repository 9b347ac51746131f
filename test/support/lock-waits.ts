import { eventually, LocalFederation } from '../../scripts/lib/local-federation';

/**
 * Resolves once a session of the node's database is seen waiting for a lock of one of these kinds
 * (pg_stat_activity's wait_event: `advisory` for an advisory lock, `transactionid` or `tuple` for a row
 * another transaction holds); times out, naming `what`, otherwise.
 */
export async function lockWaitSeen(
  federation: LocalFederation,
  code: string,
  events: string[],
  what: string,
): Promise<void> {
  await eventually(
    async () => {
      const waiting = await federation.query(
        code,
        `SELECT 1 FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = ANY($1)`,
        [events],
      );
      return waiting.length > 0 ? true : undefined;
    },
    30_000,
    what,
  );
}
