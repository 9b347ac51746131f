import { parentPort, workerData } from 'node:worker_threads';
import { Client } from 'pg';
import { ChainRange, walkRange } from './audit-verifier';

/** One range of a parallel `audit:verify`, in its own thread with its own connection. */
async function run(): Promise<void> {
  const { connectionString, range, batchSize } = workerData as {
    connectionString: string;
    range: ChainRange;
    batchSize: number;
  };
  const client = new Client({ connectionString, application_name: 'trm-audit-verify' });
  await client.connect();
  try {
    const result = await walkRange(client, range, batchSize, undefined, (rows) =>
      parentPort!.postMessage({ progress: rows }),
    );
    parentPort!.postMessage({ result });
  } finally {
    await client.end();
  }
}

run().catch((error: unknown) =>
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) }),
);
