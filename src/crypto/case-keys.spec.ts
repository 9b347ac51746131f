import { createSecretKey, randomBytes } from 'node:crypto';
import { CaseKeys, RunQuery, TransactionKeys } from './case-keys';
import type { FieldCipher } from './field-cipher';

describe('TransactionKeys', () => {
  const key = createSecretKey(randomBytes(32));

  it('keeps a key read in the transaction for the rest of it', () => {
    const kept = new TransactionKeys();
    expect(kept.get('TRM-FR-2026-000001')).toBeUndefined();
    kept.set('TRM-FR-2026-000001', key);
    expect(kept.get('TRM-FR-2026-000001')).toBe(key);
    expect(kept.get('TRM-FR-2026-000002')).toBeUndefined();
  });

  it('drops every kept key once any case is erased on the node', async () => {
    const kept = new TransactionKeys();
    kept.set('TRM-FR-2026-000001', key);
    // destroy() counts the erasure before its statement runs; the statement's answer does not matter here.
    const run: RunQuery = async () => [{ case_ref: 'TRM-FR-2026-000009' }];
    await new CaseKeys({} as FieldCipher).destroy(run, 'TRM-FR-2026-000009');
    expect(kept.get('TRM-FR-2026-000001')).toBeUndefined();
    kept.set('TRM-FR-2026-000001', key); // read again after the erasure: kept from then on
    expect(kept.get('TRM-FR-2026-000001')).toBe(key);
  });
});
