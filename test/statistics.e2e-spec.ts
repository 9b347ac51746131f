import { examplePayload } from '../src/messages/examples';
import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { Exported, recomputable } from '../src/statistics/differencing';
import { DIMENSIONS, GRANULARITIES, SUPPRESSED } from '../src/statistics/statistics';
import { isSafe } from '../src/statistics/suppression';
import { api, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

/**
 * Issue 16, anonymised statistics on real nodes: a referral's categories reach both sides' case rows, and
 * GET /statistics, over a population with one rare person, never lets an auditor single that person out, in
 * JSON or CSV, for any pair of dimensions, nor from every export of the year taken together.
 */
describe('anonymised statistics (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let caseRef: string;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
  });

  afterAll(() => federation.tearDown());

  it('a referral gives both sides its sex, age band and forms of exploitation, as codes', async () => {
    caseRef = await openSharableCase(fr);
    const sent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect(sent.status).toBe(202);
    await waitDelivered(fr, sent.body.id);
    for (const code of ['FR', 'MK']) {
      const rows = await federation.query(
        code,
        `SELECT sex, age_band AS "ageBand", exploitation_types AS "exploitationTypes" FROM cases WHERE case_ref = $1`,
        [caseRef],
      );
      expect(rows).toEqual([{ sex: 'FEMALE', ageBand: '14-17', exploitationTypes: ['SEXUAL'] }]);
    }
    // One case: every count of it is under the threshold, so nothing is published.
    const alone = await api(mk, 'GET', '/statistics?rows=sex', undefined, { as: 'auditor' });
    expect(alone.status).toBe(200);
    expect(alone.body).toMatchObject({
      threshold: 5,
      rowValues: ['FEMALE'],
      cells: [[null]],
      grandTotal: null,
    });
  });

  it('no export of a population with one rare person singles that person out', async () => {
    // 120 ordinary cases beside the referred one, and one rare person alone in every category.
    await federation.query(
      'FR',
      `INSERT INTO cases (case_ref, owner_country, countries, status, opened_at, updated_at, country_roles, phases,
                          managers, sex, age_band, exploitation_types)
       SELECT 'TRM-FR-2026-9' || lpad(i::text, 5, '0'), 'FR', ARRAY[(ARRAY['MK','IT','AL'])[1 + i % 3]], 'OPEN',
              timestamptz '2026-01-05' + (i % 3) * interval '1 month', now(), '{}'::jsonb,
              CASE WHEN i % 2 = 0 THEN '{"1":"DONE","2":"ACTIVE"}'::jsonb ELSE '{"1":"ACTIVE"}'::jsonb END,
              c.managers, (ARRAY['FEMALE','MALE'])[1 + i % 2], (ARRAY['18-24','25-34','14-17'])[1 + i % 3],
              ARRAY[(ARRAY['SEXUAL','LABOUR'])[1 + i % 2]]
         FROM generate_series(1, 120) i, (SELECT managers FROM cases WHERE case_ref = $1) c`,
      [caseRef],
    );
    await federation.query(
      'FR',
      `INSERT INTO cases (case_ref, owner_country, countries, status, opened_at, updated_at, country_roles, phases,
                          managers, sex, age_band, exploitation_types)
       SELECT 'TRM-FR-2026-999999', 'FR', ARRAY['XK'], 'OPEN', timestamptz '2026-11-15', now(), '{}'::jsonb,
              '{"5":"ACTIVE"}'::jsonb, managers, 'OTHER', '0-13', ARRAY['ORGAN_REMOVAL']
         FROM cases WHERE case_ref = $1`,
      [caseRef],
    );
    // Her year is everyone's (the window); her month is hers.
    const rareValues = ['2026-11', '5', 'XK', 'ORGAN_REMOVAL', 'OTHER', '0-13'];
    let exports = 0;
    const year: Exported[] = [];
    for (const granularity of GRANULARITIES)
      for (const rows of DIMENSIONS)
        for (const columns of [null, ...DIMENSIONS.filter((d) => d !== rows)]) {
          const query = `/statistics?rows=${rows}${columns ? `&columns=${columns}` : ''}&granularity=${granularity}`;
          const json = await api(fr, 'GET', query, undefined, { as: 'auditor' });
          const csv = await api(fr, 'GET', `${query}&format=csv`, undefined, { as: 'auditor' });
          expect({ query, json: json.status, csv: csv.status }).toEqual({ query, json: 200, csv: 200 });
          expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
          const table = json.body as Exported;
          year.push(table);
          expect({ query, safe: isSafe(table, 5) }).toEqual({ query, safe: true });
          // The CSV publishes the same numbers, `x` where the JSON has null.
          const grid = [
            ...table.cells.map((row, r) => [...row, table.rowTotals[r]]),
            [...table.columnTotals, table.grandTotal],
          ];
          const fromCsv = csv.text
            .trim()
            .split('\r\n')
            .slice(1)
            .map((line) =>
              line
                .split(',')
                .slice(1)
                .map((v) => (v === SUPPRESSED ? null : Number(v))),
            );
          expect({ query, csv: fromCsv }).toEqual({ query, csv: grid });
          // The rare person's row is hidden whole, wherever it is a row.
          const rare = table.rowValues.findIndex((v) => rareValues.includes(v));
          if (rare >= 0) expect({ query, rareRow: table.rowTotals[rare] }).toEqual({ query, rareRow: null });
          exports += 2;
        }
    expect(exports).toBe(2 * 6 * 6 * 2);
    // Every export of the year together (so any pair of them): no hidden count can be recomputed.
    expect(new Set(year.map((e) => e.from))).toEqual(new Set(['2026-01-01T00:00:00.000Z']));
    expect(recomputable(year)).toEqual([]);
  });

  it('publishes the ordinary counts, and refuses what it cannot answer with a problem', async () => {
    const bySex = await api(fr, 'GET', '/statistics?rows=sex&to=2026-12-31T00:00:00Z', undefined, {
      as: 'auditor',
    });
    expect(bySex.body.rowValues).toEqual(['FEMALE', 'MALE', 'OTHER']);
    // 60 + the referred case; 60, hidden beside the rare one (the smaller partner); the rare one.
    expect(bySex.body.rowTotals).toEqual([61, null, null]);
    expect(bySex.body.grandTotal).toBe(122);
    const same = await api(fr, 'GET', '/statistics?rows=sex&columns=sex', undefined, { as: 'auditor' });
    expect(same.status).toBe(400);
    expect(JSON.stringify(same.body)).toContain('columns must be another dimension than rows');
    expect((await api(fr, 'GET', '/statistics?rows=name', undefined, { as: 'auditor' })).status).toBe(400);
    // One calendar year per export: a window across two would let one difference them.
    const twoYears = await api(
      fr,
      'GET',
      '/statistics?rows=sex&from=2025-12-01T00:00:00Z&to=2026-02-01T00:00:00Z',
      undefined,
      { as: 'auditor' },
    );
    expect(twoYears.status).toBe(400);
    expect(JSON.stringify(twoYears.body)).toContain('an export covers one calendar year');
    expect(
      (await api(fr, 'GET', '/statistics?rows=sex&granularity=QUARTER', undefined, { as: 'auditor' })).status,
    ).toBe(400);
    expect((await api(fr, 'GET', '/statistics?rows=sex', undefined, { as: 'agency' })).status).toBe(403);
    expect((await api(fr, 'GET', '/statistics?rows=sex', undefined, { as: 'coordinator' })).status).toBe(200);
  });
});
