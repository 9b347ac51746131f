import { FairScheduler } from './fair-scheduler';

/** Work that finishes when the test says so, recording when it started. */
function gate(started: string[], label: string): { work: () => Promise<void>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    work: () => {
      started.push(label);
      return done;
    },
    finish: () => finish(),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FairScheduler', () => {
  it('gives free slots to the senders in turn, not in arrival order', async () => {
    const scheduler = new FairScheduler(1);
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const submit = (sender: string, label: string): void => {
      const g = gate(started, label);
      gates.set(label, g);
      void scheduler.run(sender, g.work);
    };
    // A flood from IT arrives first, then one message each from FR and MK.
    for (let i = 1; i <= 5; i++) submit('IT', `IT${i}`);
    submit('FR', 'FR1');
    submit('MK', 'MK1');
    // One slot: finishing the running job starts the next one.
    for (let i = 0; i < 6; i++) {
      await tick();
      gates.get(started[started.length - 1])!.finish();
      await tick();
    }
    // IT2 was already waiting when FR1 and MK1 came; they still go before the rest of the flood.
    expect(started).toEqual(['IT1', 'IT2', 'FR1', 'MK1', 'IT3', 'IT4', 'IT5']);
  });

  it('never runs more than its concurrency at once', async () => {
    const scheduler = new FairScheduler(3);
    const started: string[] = [];
    const gates = Array.from({ length: 10 }, (_, i) => gate(started, `m${i}`));
    const all = gates.map((g, i) => scheduler.run(i % 2 ? 'FR' : 'IT', g.work));
    await tick();
    expect(started).toHaveLength(3);
    gates[0].finish();
    await tick();
    await tick();
    expect(started).toHaveLength(4);
    gates.forEach((g) => g.finish());
    await Promise.all(all);
    expect(started).toHaveLength(10);
  });

  it('passes on the result or the error of the work', async () => {
    const scheduler = new FairScheduler(2);
    await expect(scheduler.run('FR', async () => 42)).resolves.toBe(42);
    await expect(scheduler.run('FR', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    // A failed job frees its slot.
    await expect(scheduler.run('FR', async () => 'next')).resolves.toBe('next');
  });

  it('counts what each sender has pending, from admit to release', () => {
    const scheduler = new FairScheduler(4, 2);
    scheduler.admit('IT');
    scheduler.admit('IT');
    scheduler.admit('IT');
    scheduler.admit('FR');
    expect(scheduler.pending('IT')).toBe(3);
    expect(scheduler.pending('FR')).toBe(1);
    scheduler.release('IT');
    scheduler.release('FR');
    expect(scheduler.pending('IT')).toBe(2);
    expect(scheduler.pending('FR')).toBe(0);
  });

  /** Admits and queues each delivery as the consumer does, then runs them one at a time to the end. */
  async function order(
    scheduler: FairScheduler,
    deliveries: Array<[sender: string, label: string]>,
  ): Promise<string[]> {
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const all = deliveries.map(([sender, label]) => {
      const g = gate(started, label);
      gates.set(label, g);
      scheduler.admit(sender);
      return scheduler.run(sender, g.work).finally(() => scheduler.release(sender));
    });
    for (let i = 0; i < deliveries.length; i++) {
      await tick();
      gates.get(started[started.length - 1])!.finish();
      await tick();
    }
    await Promise.all(all);
    return started;
  }

  it('runs a lone sender’s whole backlog, in order, however far over its cap', async () => {
    const started = await order(
      new FairScheduler(1, 2),
      Array.from({ length: 8 }, (_, i): [string, string] => ['IT', `IT${i + 1}`]),
    );
    expect(started).toEqual(['IT1', 'IT2', 'IT3', 'IT4', 'IT5', 'IT6', 'IT7', 'IT8']);
  });

  it('lets a sender below its cap go first when the turn of a sender over its cap comes, once per turn', async () => {
    const flood = Array.from({ length: 6 }, (_, i): [string, string] => ['IT', `IT${i + 1}`]);
    const others: Array<[string, string]> = [
      ['FR', 'FR1'],
      ['FR', 'FR2'],
      ['FR', 'FR3'],
    ];
    // Cap 3: IT (6 pending) yields its turn once, then takes it; FR, at its cap, is never passed over.
    expect(await order(new FairScheduler(1, 3), [...flood, ...others])).toEqual([
      'IT1',
      'FR1',
      'IT2',
      'FR2',
      'FR3',
      'IT3',
      'IT4',
      'IT5',
      'IT6',
    ]);
    // Without a cap the same arrivals simply alternate.
    expect(await order(new FairScheduler(1, 0), [...flood, ...others])).toEqual([
      'IT1',
      'IT2',
      'FR1',
      'IT3',
      'FR2',
      'IT4',
      'FR3',
      'IT5',
      'IT6',
    ]);
  });

  it('takes plain turns between senders that are all over their cap', async () => {
    const deliveries: Array<[string, string]> = [];
    for (let i = 1; i <= 4; i++) deliveries.push(['IT', `IT${i}`], ['FR', `FR${i}`]);
    // Cap 1: turns while both are over it; once IT is down to its cap, FR (still over) lets it go first.
    expect(await order(new FairScheduler(1, 1), deliveries)).toEqual([
      'IT1',
      'FR1',
      'IT2',
      'FR2',
      'IT3',
      'IT4',
      'FR3',
      'FR4',
    ]);
  });
});
