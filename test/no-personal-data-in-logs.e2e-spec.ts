import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { DEMO_PERSON } from '../scripts/demo';

/**
 * Issue 5: nothing of a victim's personal data reaches a log line. The whole demo (three node processes,
 * a referral with the demo person's data and the replies) runs with every node at debug level; everything
 * it and its nodes print is searched for her names and date of birth.
 */
describe('no personal data in any log (the demo at debug level)', () => {
  let output = '';
  let exitCode: number | null = null;

  beforeAll(async () => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.resolve(__dirname, '../scripts/demo.ts')],
      {
        env: { ...process.env, TRM_LOG_LEVEL: 'debug', NO_COLOR: '1', DEBUG: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    // The demo cleans up after itself on SIGTERM; a run that hangs fails the test below with its output.
    const guard = setTimeout(() => child.kill('SIGTERM'), 240_000);
    exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(guard);
  }, 300_000);

  it('plays the demo to the end with every node logging at debug level', () => {
    expect({ exitCode, tail: output.slice(-3000) }).toMatchObject({ exitCode: 0 });
    // Debug lines really were emitted, by the nodes' relays and consumers (else the search proves nothing).
    expect(output).toMatch(/DEBUG \[OutboxRelay\] published message [0-9a-f-]{36} to /);
    expect(output).toMatch(
      /DEBUG \[InboxConsumer\] inbound message [0-9a-f-]{36} on trm\.(inbox|urgent)\.(FR|IT|MK): ACCEPTED/,
    );
  });

  it("never prints the person's names or date of birth, in any script or form", () => {
    const names = [DEMO_PERSON.givenName, DEMO_PERSON.familyName, ...(DEMO_PERSON.otherNames ?? [])];
    const parts = names.flatMap((n) => n.split(/\s+/)).filter((p) => p.length >= 3);
    const birth = DEMO_PERSON.dateOfBirth ?? '';
    expect(birth).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const [year, month, day] = birth.split('-');
    const dates = [birth, `${day}.${month}.${year}`, `${day}/${month}/${year}`, `${year}${month}${day}`];
    const escaped = names.map((n) =>
      n.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    );
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const found = [...names, ...parts, ...dates, ...escaped].filter((secret) => output.includes(secret));
    expect(found).toEqual([]);
  });
});
