import { envelopeLanguage, receiverReads } from './language.policy';

describe('the language of the free text', () => {
  const base = { type: 'CASE_UPDATE' as const, own: ['fr', 'en'], recipientExtensions: ['LANGUAGE'] };

  it.each([
    ['the node’s first language by default', base, 'fr'],
    ['the coordinator’s pick', { ...base, chosen: 'en' }, 'en'],
    [
      'none to a receiver that does not announce the extension',
      { ...base, recipientExtensions: undefined },
      undefined,
    ],
    ['none to a receiver whose extensions leave it out', { ...base, recipientExtensions: [] }, undefined],
    ['none on a technical message', { ...base, type: 'DELIVERY_RECEIPT' as const }, undefined],
    ['the first two-letter language of the node', { ...base, own: ['sqi', 'sq'] }, 'sq'],
    ['none when the node lists no two-letter language', { ...base, own: ['sqi'] }, undefined],
  ])('%s', (_name, facts, expected) => {
    expect(envelopeLanguage(facts)).toBe(expected);
  });

  it('tells whether the receiver reads it', () => {
    expect(receiverReads('fr', ['mk', 'en'])).toBe(false);
    expect(receiverReads('en', ['mk', 'en'])).toBe(true);
    expect(receiverReads(undefined, ['mk'])).toBe(true);
  });
});
