import { PeriodicPasses } from './periodic-passes';

/** A pass the test finishes when it wants, counting how often it started. */
function gatedPass(): { pass: () => Promise<string>; starts: () => number; finish: () => void } {
  let starts = 0;
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  return {
    pass: async () => {
      starts++;
      await gate;
      return 'done';
    },
    starts: () => starts,
    finish: () => {
      release();
      gate = new Promise<void>((resolve) => (release = resolve));
    },
  };
}

describe('PeriodicPasses', () => {
  let failures: Error[];
  let passes: PeriodicPasses;

  beforeEach(() => {
    jest.useFakeTimers();
    failures = [];
    passes = new PeriodicPasses((error) => failures.push(error));
  });

  afterEach(async () => {
    await passes.stop();
    jest.useRealTimers();
  });

  it('runs the pass at every interval, and never with an interval of 0 or less', async () => {
    const pass = jest.fn().mockResolvedValue(undefined);
    passes.start(1000, pass);
    await jest.advanceTimersByTimeAsync(3000);
    expect(pass).toHaveBeenCalledTimes(3);

    const never = new PeriodicPasses(() => undefined);
    const idle = jest.fn().mockResolvedValue(undefined);
    never.start(0, idle);
    never.start(-1, idle);
    await jest.advanceTimersByTimeAsync(3000);
    expect(idle).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(1);
  });

  it('skips the ticks that come while a pass is still running', async () => {
    const slow = gatedPass();
    passes.start(1000, slow.pass);
    await jest.advanceTimersByTimeAsync(5000);
    expect(slow.starts()).toBe(1);

    slow.finish();
    await jest.advanceTimersByTimeAsync(1000);
    expect(slow.starts()).toBe(2);
    slow.finish();
  });

  it('runs a direct call after the running pass, and a tick skips while the call waits', async () => {
    const slow = gatedPass();
    passes.start(1000, slow.pass);
    await jest.advanceTimersByTimeAsync(1000);
    const order: string[] = [];
    const direct = passes.run(async () => {
      order.push(`direct after ${slow.starts()} tick pass(es)`);
      return 42;
    });
    await jest.advanceTimersByTimeAsync(3000);
    expect(order).toEqual([]);

    slow.finish();
    await expect(direct).resolves.toBe(42);
    expect(order).toEqual(['direct after 1 tick pass(es)']);
    expect(slow.starts()).toBe(1);
  });

  it('stop waits for the running pass, and no tick comes after it', async () => {
    const slow = gatedPass();
    passes.start(1000, slow.pass);
    await jest.advanceTimersByTimeAsync(1000);
    let stopped = false;
    const stopping = passes.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);

    slow.finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(5000);
    expect(slow.starts()).toBe(1);
  });

  it('a failing tick is reported and the passes go on; a failing direct call rejects to its caller', async () => {
    const pass = jest.fn().mockRejectedValueOnce(new Error('database away')).mockResolvedValue(undefined);
    passes.start(1000, pass);
    await jest.advanceTimersByTimeAsync(2000);
    expect(failures.map((error) => error.message)).toEqual(['database away']);
    expect(pass).toHaveBeenCalledTimes(2);

    await expect(passes.run(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await expect(passes.run(async () => 'next')).resolves.toBe('next');
    expect(failures).toHaveLength(1);
  });
});
