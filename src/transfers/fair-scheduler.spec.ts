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

  it('admits a sender up to its cap, and again once deliveries are released', () => {
    const scheduler = new FairScheduler(4, 2);
    expect(scheduler.admit('IT')).toBe(true);
    expect(scheduler.admit('IT')).toBe(true);
    expect(scheduler.admit('IT')).toBe(false);
    expect(scheduler.pending('IT')).toBe(2);
    // Another sender has its own allowance.
    expect(scheduler.admit('FR')).toBe(true);
    // Forced (an answer to this node's own message) goes past the cap.
    expect(scheduler.admit('IT', true)).toBe(true);
    expect(scheduler.pending('IT')).toBe(3);
    scheduler.release('IT');
    scheduler.release('IT');
    expect(scheduler.admit('IT')).toBe(true);
    expect(scheduler.pending('FR')).toBe(1);
  });

  it('has no cap when the cap is 0', () => {
    const scheduler = new FairScheduler(1, 0);
    for (let i = 0; i < 1000; i++) expect(scheduler.admit('IT')).toBe(true);
  });
});
