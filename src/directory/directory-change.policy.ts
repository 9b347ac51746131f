import type { SignatureCheck } from './signed-directory';

/** Why a node refused a directory file and kept the one it had (audit reason codes, docs/directory.md). */
export enum DirectoryRefusalCode {
  /** The file could not be read, is not JSON, or does not have the directory format. */
  DIRECTORY_INVALID = 'DIRECTORY_INVALID',
  /** An anchor is configured and the file carries no signature. */
  DIRECTORY_UNSIGNED = 'DIRECTORY_UNSIGNED',
  /** Signed by a key that is not one of the configured anchors. */
  DIRECTORY_WRONG_ANCHOR = 'DIRECTORY_WRONG_ANCHOR',
  /** Signed by a configured anchor, but changed since: the signature does not verify. */
  DIRECTORY_SIGNATURE_INVALID = 'DIRECTORY_SIGNATURE_INVALID',
  /** Its version is below the highest this node ever accepted: a replay of an older directory. */
  DIRECTORY_OLDER = 'DIRECTORY_OLDER',
  /** Same version as the one accepted, different content: a new directory needs a new version. */
  DIRECTORY_VERSION_REUSED = 'DIRECTORY_VERSION_REUSED',
  /** It does not list this node's country. */
  DIRECTORY_WITHOUT_SELF = 'DIRECTORY_WITHOUT_SELF',
  /** It publishes other keys for this node than the private keys it holds. */
  DIRECTORY_KEYS_MISMATCH = 'DIRECTORY_KEYS_MISMATCH',
}

/** What a node knows about a directory file it just read. */
export interface DirectoryCandidate {
  /** Null when the file is well-formed; otherwise what is wrong with it (no content of the file). */
  invalid: string | null;
  signature: SignatureCheck;
  version: number;
  /** SHA-256 of the signed part (signedBytes). */
  digest: string;
  /** Null when the file lists this node with the keys it holds; otherwise what does not match. */
  selfProblem: { code: 'DIRECTORY_WITHOUT_SELF' | 'DIRECTORY_KEYS_MISMATCH'; reason: string } | null;
}

export type DirectoryDecision =
  | { decision: 'ACCEPT'; from: number | null; to: number; signed: boolean }
  | { decision: 'UNCHANGED'; version: number }
  | { decision: 'REFUSE'; code: DirectoryRefusalCode; reason: string };

const refuse = (code: DirectoryRefusalCode, reason: string): DirectoryDecision => ({
  decision: 'REFUSE',
  code,
  reason,
});

/**
 * Whether a node takes a directory file in place of the one it holds (`current`: the highest version it
 * ever accepted, null on its very first boot). With anchors configured only a file one of them signed; with
 * none, any file (the single-site and test setup, warned about at every load). Never an older version, and
 * a version once accepted names one content for ever.
 */
export function decideDirectoryChange(
  candidate: DirectoryCandidate,
  anchorsConfigured: boolean,
  current: { version: number; digest: string } | null,
): DirectoryDecision {
  if (candidate.invalid !== null) return refuse(DirectoryRefusalCode.DIRECTORY_INVALID, candidate.invalid);
  const signature = candidate.signature;
  if (anchorsConfigured) {
    switch (signature.status) {
      case 'UNSIGNED':
        return refuse(DirectoryRefusalCode.DIRECTORY_UNSIGNED, 'the file is not signed by a trust anchor');
      case 'WRONG_ANCHOR':
        return refuse(
          DirectoryRefusalCode.DIRECTORY_WRONG_ANCHOR,
          'the file is signed by a key that is not a configured trust anchor',
        );
      case 'SIGNATURE_INVALID':
        return refuse(
          DirectoryRefusalCode.DIRECTORY_SIGNATURE_INVALID,
          'the anchor’s signature does not verify: the file was changed after it was signed',
        );
      case 'SIGNED':
        break;
    }
  }
  if (current !== null && candidate.version < current.version)
    return refuse(
      DirectoryRefusalCode.DIRECTORY_OLDER,
      `version ${candidate.version} is older than version ${current.version}, already accepted`,
    );
  const same = current !== null && candidate.version === current.version;
  if (same && candidate.digest !== current.digest)
    return refuse(
      DirectoryRefusalCode.DIRECTORY_VERSION_REUSED,
      `version ${candidate.version} was accepted with other content; a changed directory needs a higher version`,
    );
  // Checked for an unchanged file too: the node's own key files may have changed since it was accepted.
  if (candidate.selfProblem !== null)
    return refuse(DirectoryRefusalCode[candidate.selfProblem.code], candidate.selfProblem.reason);
  if (same) return { decision: 'UNCHANGED', version: candidate.version };
  return {
    decision: 'ACCEPT',
    from: current?.version ?? null,
    to: candidate.version,
    signed: anchorsConfigured && signature.status === 'SIGNED',
  };
}
