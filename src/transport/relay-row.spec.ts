import { publishInOrder } from './relay-row';

/** Rows are [key, name]; the broker is a list of the waves it was handed and the names it fails. */
function broker(failing: string[] = []) {
  const waves: string[][] = [];
  const publishAll = async (wave: Array<[string, string]>): Promise<Array<Error | null>> => {
    waves.push(wave.map(([, name]) => name));
    return wave.map(([, name]) => (failing.includes(name) ? new Error(`${name} refused`) : null));
  };
  return { waves, publishAll };
}

const key = ([k]: [string, string]): string => k;

describe('publishInOrder', () => {
  it('sends the k-th row of every key in wave k, each wave in the batch’s order', async () => {
    const rows: Array<[string, string]> = [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['c', 'c1'],
      ['a', 'a3'],
      ['b', 'b2'],
    ];
    const { waves, publishAll } = broker();
    const outcomes = await publishInOrder(rows, key, publishAll);
    expect(waves).toEqual([['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']]);
    expect(outcomes).toEqual([null, null, null, null, null, null]);
  });

  it('sends a batch of distinct keys as one wave', async () => {
    const { waves, publishAll } = broker();
    await publishInOrder(
      [
        ['a', 'a1'],
        ['b', 'b1'],
        ['c', 'c1'],
      ],
      key,
      publishAll,
    );
    expect(waves).toEqual([['a1', 'b1', 'c1']]);
  });

  it('stops the later rows of a key whose publish failed, and only of that key', async () => {
    const rows: Array<[string, string]> = [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['b', 'b2'],
      ['a', 'a3'],
    ];
    const { waves, publishAll } = broker(['a1']);
    const outcomes = await publishInOrder(rows, key, publishAll);
    expect(waves).toEqual([['a1', 'b1'], ['b2']]);
    expect(outcomes[0]).toEqual(new Error('a1 refused'));
    // a2 and a3 were never handed to the broker: pending, not failed.
    expect(outcomes).toEqual([outcomes[0], null, undefined, null, undefined]);
  });

  it('stops at the first wave with nothing left to send', async () => {
    const { waves, publishAll } = broker(['a1']);
    const outcomes = await publishInOrder(
      [
        ['a', 'a1'],
        ['a', 'a2'],
      ],
      key,
      publishAll,
    );
    expect(waves).toEqual([['a1']]);
    expect(outcomes[1]).toBeUndefined();
  });
});
