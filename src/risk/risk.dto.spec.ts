import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RecordConsentDto } from '../consent/consent.dto';
import { RecordAssessmentDto } from './risk.dto';

// A date-time without an offset would be read in the server's own zone: the DTOs take the message schema's
// strict date-time (seconds and an explicit offset).
const assessment = (change: Record<string, unknown>) =>
  plainToInstance(RecordAssessmentDto, {
    level: 'LOW',
    factors: [],
    summary: 'checked',
    complete: true,
    validUntil: '2026-12-31T23:59:59Z',
    ...change,
  });
const consent = (change: Record<string, unknown>) =>
  plainToInstance(RecordConsentDto, {
    scopes: ['RETURN'],
    recipients: ['MK'],
    givenBy: 'VICTIM',
    informed: true,
    informedLanguage: 'mk',
    ...change,
  });
const failing = (dto: object) => validateSync(dto).map((e) => e.property);

const BAD = ['2026-12-01T23:59:59', '2026-12', '2026-12-01', '2026-12-01T23:59Z'];
const GOOD = ['2026-12-01T23:59:59Z', '2026-12-01T23:59:59.123+01:00'];

describe.each([
  ['risk assessedAt', (v: string) => assessment({ assessedAt: v }), 'assessedAt'],
  ['risk validUntil', (v: string) => assessment({ validUntil: v }), 'validUntil'],
  ['consent givenAt', (v: string) => consent({ givenAt: v }), 'givenAt'],
  ['consent expiresAt', (v: string) => consent({ expiresAt: v }), 'expiresAt'],
])('%s', (_, make, field) => {
  it.each(BAD)('refuses %s', (value) => {
    expect(failing(make(value))).toEqual([field]);
  });
  it.each(GOOD)('takes %s', (value) => {
    expect(failing(make(value))).toEqual([]);
  });
});
