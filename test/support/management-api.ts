/** The RabbitMQ management API as the tests' administrator (to cut a user off, or make a queue refuse). */
const MANAGEMENT = new URL(process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672');

/** One call to `/api<path>`; a 404 answers null (a thing already gone), any other failure throws. */
export async function management(method: string, path: string, body?: unknown): Promise<unknown> {
  const user = `${decodeURIComponent(MANAGEMENT.username)}:${decodeURIComponent(MANAGEMENT.password)}`;
  const response = await fetch(`${MANAGEMENT.origin}/api${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(user).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok && response.status !== 404) throw new Error(`${method} ${path}: HTTP ${response.status}`);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}
