import { decideDirectoryChange, DirectoryCandidate, DirectoryDecision } from './directory-change.policy';

const candidate = (changes: Partial<DirectoryCandidate> = {}): DirectoryCandidate => ({
  invalid: null,
  signature: { status: 'SIGNED', anchor: 'A' },
  version: 5,
  digest: 'd5',
  selfProblem: null,
  ...changes,
});
const current = { version: 4, digest: 'd4' };
const refused = (code: string) => expect.objectContaining({ decision: 'REFUSE', code });

describe('decideDirectoryChange', () => {
  it.each<[string, DirectoryCandidate, boolean, typeof current | null, DirectoryDecision | object]>([
    [
      'a newer signed version',
      candidate(),
      true,
      current,
      { decision: 'ACCEPT', from: 4, to: 5, signed: true },
    ],
    [
      'the first directory of a node',
      candidate(),
      true,
      null,
      { decision: 'ACCEPT', from: null, to: 5, signed: true },
    ],
    [
      'the same version and content again',
      candidate({ version: 4, digest: 'd4' }),
      true,
      current,
      { decision: 'UNCHANGED', version: 4 },
    ],
    ['an older version', candidate({ version: 3 }), true, current, refused('DIRECTORY_OLDER')],
    [
      'the same version with other content',
      candidate({ version: 4 }),
      true,
      current,
      refused('DIRECTORY_VERSION_REUSED'),
    ],
    [
      'a tampered file',
      candidate({ signature: { status: 'SIGNATURE_INVALID' } }),
      true,
      current,
      refused('DIRECTORY_SIGNATURE_INVALID'),
    ],
    [
      'a file of another anchor',
      candidate({ signature: { status: 'WRONG_ANCHOR', anchor: 'B' } }),
      true,
      current,
      refused('DIRECTORY_WRONG_ANCHOR'),
    ],
    [
      'an unsigned file where an anchor is configured',
      candidate({ signature: { status: 'UNSIGNED' } }),
      true,
      current,
      refused('DIRECTORY_UNSIGNED'),
    ],
    ['a malformed file', candidate({ invalid: 'not JSON' }), true, current, refused('DIRECTORY_INVALID')],
    [
      'a file without this node',
      candidate({ selfProblem: { code: 'DIRECTORY_WITHOUT_SELF', reason: 'x' } }),
      true,
      current,
      refused('DIRECTORY_WITHOUT_SELF'),
    ],
    [
      'the same file once this node’s keys changed',
      candidate({ version: 4, digest: 'd4', selfProblem: { code: 'DIRECTORY_KEYS_MISMATCH', reason: 'x' } }),
      true,
      current,
      refused('DIRECTORY_KEYS_MISMATCH'),
    ],
    // Without an anchor (single site, tests): any signature state, but never backwards.
    [
      'unsigned, no anchor configured',
      candidate({ signature: { status: 'UNSIGNED' } }),
      false,
      current,
      { decision: 'ACCEPT', from: 4, to: 5, signed: false },
    ],
    [
      'a tampered file, no anchor configured (nothing to check with)',
      candidate({ signature: { status: 'SIGNATURE_INVALID' } }),
      false,
      null,
      { decision: 'ACCEPT', from: null, to: 5, signed: false },
    ],
    [
      'older, no anchor configured',
      candidate({ version: 3, signature: { status: 'UNSIGNED' } }),
      false,
      current,
      refused('DIRECTORY_OLDER'),
    ],
  ])('%s', (_, file, anchors, before, expected) => {
    expect(decideDirectoryChange(file, anchors, before)).toEqual(expected);
  });

  it('names the refused and the accepted versions in its reason, and nothing of the file', () => {
    expect(decideDirectoryChange(candidate({ version: 3 }), true, current)).toMatchObject({
      reason: 'version 3 is older than version 4, already accepted',
    });
  });
});
