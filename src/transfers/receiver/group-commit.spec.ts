import { GroupCommit, Settled } from './group-commit';

/** A run that records its batches and can be held open until the test lets it finish. */
function recordingRun(): {
  batches: number[][];
  release: () => void;
  run: (items: number[]) => Promise<Settled<string>[]>;
} {
  const batches: number[][] = [];
  let open: (() => void) | null = null;
  const gates: Array<Promise<void>> = [];
  const release = (): void => open?.();
  const run = async (items: number[]): Promise<Settled<string>[]> => {
    batches.push(items);
    const gate = new Promise<void>((resolve) => (open = resolve));
    gates.push(gate);
    if (batches.length === 1) await gate; // the first run stays under way until released
    return items.map((item) =>
      item < 0 ? { ok: false, error: new Error(`refused ${item}`) } : { ok: true, value: `applied ${item}` },
    );
  };
  return { batches, release, run };
}

describe('GroupCommit', () => {
  it('runs an item submitted to an idle queue at once, alone', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, string>(8, async (items) => {
      batches.push(items);
      return items.map((item) => ({ ok: true, value: `applied ${item}` }));
    });
    await expect(commit.submit(1)).resolves.toBe('applied 1');
    await expect(commit.submit(2)).resolves.toBe('applied 2');
    expect(batches).toEqual([[1], [2]]);
  });

  it('gathers what arrives during a run into the next one, in order, up to the limit', async () => {
    const { batches, release, run } = recordingRun();
    const commit = new GroupCommit<number, string>(3, run);
    const first = commit.submit(0);
    const later = [1, 2, 3, 4, 5].map((n) => commit.submit(n));
    expect(batches).toEqual([[0]]); // the others wait for the run under way
    release();
    await expect(first).resolves.toBe('applied 0');
    await expect(Promise.all(later)).resolves.toEqual([1, 2, 3, 4, 5].map((n) => `applied ${n}`));
    expect(batches).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('with batches of one (the urgent lane), starts a second item at once beside a run under way', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number, string>(
      1,
      async (items) => {
        batches.push(items);
        if (items[0] === 0) await held; // the first run stays under way until released
        return items.map((item) => ({ ok: true, value: `applied ${item}` }));
      },
      2,
    );
    const first = commit.submit(0);
    const second = commit.submit(1);
    const third = commit.submit(2);
    // The second does not wait for the first; the third waits for a free run.
    expect(batches).toEqual([[0], [1]]);
    await expect(second).resolves.toBe('applied 1');
    await expect(third).resolves.toBe('applied 2');
    release();
    await expect(first).resolves.toBe('applied 0');
    expect(batches).toEqual([[0], [1], [2]]);
  });

  it('settles each item on its own: one refusal does not fail its neighbours', async () => {
    const { release, run } = recordingRun();
    const commit = new GroupCommit<number, string>(8, run);
    const first = commit.submit(0);
    const results = Promise.allSettled([commit.submit(1), commit.submit(-2), commit.submit(3)]);
    release();
    await first;
    const [a, b, c] = await results;
    expect(a).toEqual({ status: 'fulfilled', value: 'applied 1' });
    expect(b).toMatchObject({ status: 'rejected', reason: new Error('refused -2') });
    expect(c).toEqual({ status: 'fulfilled', value: 'applied 3' });
  });

  it('fails every item of a run that throws, and keeps serving the next ones', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, string>(8, async (items) => {
      calls += 1;
      if (calls === 1) throw new Error('database gone');
      return items.map((item) => ({ ok: true, value: `applied ${item}` }));
    });
    await expect(commit.submit(1)).rejects.toThrow('database gone');
    await expect(commit.submit(2)).resolves.toBe('applied 2');
  });

  it('starts a second run beside the first only when a whole batch waits', async () => {
    const batches: number[][] = [];
    const gates: Array<() => void> = [];
    const commit = new GroupCommit<number, string>(
      2,
      async (items) => {
        batches.push(items);
        await new Promise<void>((resolve) => gates.push(resolve));
        return items.map((item) => ({ ok: true, value: `applied ${item}` }));
      },
      2,
    );
    const all = [1, 2].map((n) => commit.submit(n));
    expect(batches).toEqual([[1]]); // one item waiting: not a batch, it waits for the run under way
    all.push(commit.submit(3));
    expect(batches).toEqual([[1], [2, 3]]); // a whole batch waited: a second run
    all.push(commit.submit(4), commit.submit(5), commit.submit(6));
    expect(batches).toHaveLength(2); // both runs busy: 4–6 wait
    gates.shift()!();
    await all[0];
    await new Promise((resolve) => setImmediate(resolve)); // the finished run's slot is taken
    expect(batches).toEqual([[1], [2, 3], [4, 5]]);
    while (batches.length < 4 || gates.length > 0) {
      gates.splice(0).forEach((open) => open());
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect(Promise.all(all)).resolves.toEqual([1, 2, 3, 4, 5, 6].map((n) => `applied ${n}`));
    expect(batches).toEqual([[1], [2, 3], [4, 5], [6]]);
  });
});
