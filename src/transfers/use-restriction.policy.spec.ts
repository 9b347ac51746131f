import { RejectionCode } from '../messages/rejection-codes';
import {
  decideOutboundRestrictions,
  OutboundRestrictionFacts,
  restrictionsBySender,
  unknownRestrictionReasons,
  UseRestrictionRule,
} from './use-restriction.policy';

describe('use restrictions', () => {
  describe('unknownRestrictionReasons (a receiver refuses what it does not know)', () => {
    it.each([
      [undefined, []],
      [['NO_ONWARD_SHARING', 'ASSISTANCE_ONLY', 'NO_IMMIGRATION_ENFORCEMENT'], []],
    ])('%j passes', (restrictions, expected) => {
      expect(unknownRestrictionReasons(restrictions)).toEqual(expected);
    });

    it('refuses an unknown value with POLICY_DENIED and the rule RESTRICTION_UNKNOWN, naming it', () => {
      const [reason, ...more] = unknownRestrictionReasons(['NO_ONWARD_SHARING', 'NO_MARKETING']);
      expect(more).toEqual([]);
      expect(reason).toMatchObject({
        code: RejectionCode.POLICY_DENIED,
        rule: UseRestrictionRule.RESTRICTION_UNKNOWN,
      });
      expect(reason.message).toMatch(/^RESTRICTION_UNKNOWN: .*NO_MARKETING$/);
    });
  });

  it('restrictionsBySender unions what each country sent, sorted', () => {
    expect(
      restrictionsBySender([
        { from: 'FR', restrictions: ['NO_ONWARD_SHARING'] },
        { from: 'AL', restrictions: ['ASSISTANCE_ONLY'] },
        { from: 'FR', restrictions: ['ASSISTANCE_ONLY', 'NO_ONWARD_SHARING'] },
      ]),
    ).toEqual({ AL: ['ASSISTANCE_ONLY'], FR: ['ASSISTANCE_ONLY', 'NO_ONWARD_SHARING'] });
  });

  describe('decideOutboundRestrictions', () => {
    const base: OutboundRestrictionFacts = {
      type: 'CASE_UPDATE',
      to: 'IT',
      chosen: [],
      recipientAnnounces: false,
      received: [{ from: 'FR', restrictions: ['NO_ONWARD_SHARING'] }],
    };
    const rules = (facts: Partial<OutboundRestrictionFacts>) =>
      decideOutboundRestrictions({ ...base, ...facts }).map((r) => [r.code, r.rule]);

    it.each<[string, Partial<OutboundRestrictionFacts>, Array<[string, string]>]>([
      [
        'refuses personal data to a third country',
        {},
        [[RejectionCode.POLICY_DENIED, UseRestrictionRule.RESTRICTION_NO_ONWARD_SHARING]],
      ],
      ['lets it go back to the country that restricted it', { to: 'FR' }, []],
      ['lets a consent withdrawal through to every country', { type: 'CONSENT_WITHDRAWN' }, []],
      ['lets a closure through', { type: 'CASE_CLOSED' }, []],
      [
        'ignores restrictions that do not forbid onward sharing',
        { received: [{ from: 'FR', restrictions: ['ASSISTANCE_ONLY'] }] },
        [],
      ],
      ['allows anything on a case without restrictions', { received: [] }, []],
      [
        'refuses to put restrictions on a message to a participant that does not announce them',
        { received: [], chosen: ['ASSISTANCE_ONLY'] },
        [[RejectionCode.NOT_ACCEPTED, UseRestrictionRule.RESTRICTION_NOT_ANNOUNCED]],
      ],
      [
        'puts them on a message to one that does',
        { received: [], chosen: ['ASSISTANCE_ONLY'], recipientAnnounces: true },
        [],
      ],
      [
        'gives every reason at once',
        { chosen: ['NO_ONWARD_SHARING'] },
        [
          [RejectionCode.NOT_ACCEPTED, UseRestrictionRule.RESTRICTION_NOT_ANNOUNCED],
          [RejectionCode.POLICY_DENIED, UseRestrictionRule.RESTRICTION_NO_ONWARD_SHARING],
        ],
      ],
    ])('%s', (_name, facts, expected) => {
      expect(rules(facts)).toEqual(expected);
    });

    it('names the country whose restriction refuses, never any data', () => {
      const [reason] = decideOutboundRestrictions(base);
      expect(reason.message).toBe(
        "FR shared this case's data under NO_ONWARD_SHARING: it may not go on to IT",
      );
    });
  });
});
