import { existsSync, readFileSync } from 'node:fs';
import { buildConsentPolicyDoc, CONSENT_POLICY_DOC } from '../../scripts/consent-policy';
import { CONSENT_SCOPES } from '../messages/envelope.dto';
import { MESSAGE_TYPES } from '../messages/message-types';
import { CONSENT_EXEMPT_TYPES, FIELD_GROUPS, TYPE_SCOPES } from './consent.policy';

const doc = buildConsentPolicyDoc();

/** The lines of the section under `heading`, up to the next heading of any level. */
function section(heading: string): string[] {
  const lines = doc.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('#'));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('published consent policy (scripts/consent-policy.ts)', () => {
  it('is deterministic', () => {
    expect(buildConsentPolicyDoc()).toBe(doc);
  });

  it('has a section for every message type', () => {
    for (const type of MESSAGE_TYPES) {
      expect(doc).toMatch(new RegExp(`^### \`${type}\``, 'm'));
    }
  });

  it('lists every scope the type itself needs, and every field group with its scope', () => {
    for (const type of MESSAGE_TYPES) {
      const heading = doc.split('\n').find((line) => line.startsWith(`### \`${type}\``))!;
      const rows = section(heading).filter((line) => line.startsWith('| '));
      for (const scope of TYPE_SCOPES[type] ?? []) {
        expect(rows).toContainEqual(
          expect.stringMatching(new RegExp(`^\\| \\(the type itself\\) +\\| \`${scope}\``)),
        );
      }
      for (const group of FIELD_GROUPS[type] ?? []) {
        expect(rows).toContainEqual(
          expect.stringMatching(new RegExp(`^\\| \`${group.field}\` +\\| \`${group.scope}\` +\\|`)),
        );
      }
    }
  });

  it('says which field groups can be redacted', () => {
    const referral = section('### `REFERRAL_REQUEST` (SOP 1)');
    expect(referral).toContainEqual(
      expect.stringMatching(/^\| `medical` +\| `SHARE_HEALTH` +\| when present +\| yes +\|$/),
    );
    expect(referral).toContainEqual(
      expect.stringMatching(
        /^\| `requestedSop` +\| `RETURN` +\| when `requestedSop` is `4` +\| no \(required\) +\|$/,
      ),
    );
    const evidence = section('### `EVIDENCE_REQUEST` (SOP 5)');
    expect(evidence).toContainEqual(
      expect.stringMatching(
        /^\| `targetsOriginAuthorities` .*when `targetsOriginAuthorities` is `true` +\| no \(required\) +\|$/,
      ),
    );
  });

  it('names every scope, the exemptions, vital interest, the child rule and the risk gate', () => {
    for (const scope of CONSENT_SCOPES) expect(section('### Scopes').join('\n')).toContain(`\`${scope}\``);
    for (const type of CONSENT_EXEMPT_TYPES)
      expect(section('### Exemptions').join('\n')).toContain(`\`${type}\``);
    expect(section('### Vital interest').join('\n')).toContain('`EMERGENCY_ALERT`');
    expect(section('### Children').join('\n')).toMatch(
      /For a child, only consent given by `GUARDIAN`, `LEGAL_REPRESENTATIVE` counts/,
    );
    expect(section('### How a receiver uses this').join('\n')).toContain('`CONSENT_INSUFFICIENT`');
    expect(section('### Which messages need an assessment')).toContainEqual(
      expect.stringMatching(
        /^\| `EVIDENCE_REQUEST` +\| when `targetsOriginAuthorities` is `true`, or when the case records the recipient as `ORIGIN` +\|$/,
      ),
    );
    expect(section('### Outcome by level')).toContainEqual(
      expect.stringMatching(/^\| CRITICAL, override confirmed +(\| refused +)+\|$/),
    );
    // Four eyes: an override nobody confirmed yet lifts nothing.
    expect(section('### Outcome by level')).toContainEqual(
      expect.stringMatching(
        /^\| HIGH, override requested, not yet confirmed +(\| refused, overridable +)+\|$/,
      ),
    );
  });

  it('matches docs/consent-policy.md (run `npm run consent-policy` after changing a policy)', () => {
    expect(existsSync(CONSENT_POLICY_DOC)).toBe(true);
    expect(readFileSync(CONSENT_POLICY_DOC, 'utf8')).toBe(doc);
  });
});
