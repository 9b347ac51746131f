import type { EntityManager } from 'typeorm';
import { AcceptedMessage, Effects } from './effects';

const manager = {} as EntityManager;

function accepted(id: string, type: 'CASE_UPDATE' | 'DELIVERY_RECEIPT'): AcceptedMessage {
  return {
    envelope: { id, type } as AcceptedMessage['envelope'],
    payload: {},
    body: Buffer.from(''),
    signature: '',
  };
}

describe('Effects', () => {
  it('runs handlers in registration order: a batch handler once with its types, the others one by one', async () => {
    const effects = new Effects();
    const calls: string[] = [];
    effects.on('message.received', async (_, m) => void calls.push(`each ${m.envelope.id}`));
    effects.onMany(
      'message.received',
      async (_, ms) => void calls.push(`many ${ms.map((m) => m.envelope.id).join(',')}`),
      ['DELIVERY_RECEIPT'],
    );
    effects.on('message.received', async (_, m) => void calls.push(`update ${m.envelope.id}`), [
      'CASE_UPDATE',
    ]);
    await effects.emitMany(manager, 'message.received', [
      accepted('a', 'DELIVERY_RECEIPT'),
      accepted('b', 'CASE_UPDATE'),
      accepted('c', 'DELIVERY_RECEIPT'),
    ]);
    expect(calls).toEqual(['each a', 'each b', 'each c', 'many a,c', 'update b']);
  });

  it('does not call a batch handler that no event of its types reaches', async () => {
    const effects = new Effects();
    const handler = jest.fn(async () => undefined);
    effects.onMany('message.received', handler, ['DELIVERY_RECEIPT']);
    await effects.emit(manager, 'message.received', accepted('b', 'CASE_UPDATE'));
    expect(handler).not.toHaveBeenCalled();
  });
});
