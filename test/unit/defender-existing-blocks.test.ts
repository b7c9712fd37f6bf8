import { createHash } from 'node:crypto';
import { IndicatorsDefenderApi, LOOKUP_BATCH } from '../../src/defender/indicators-defender-api';
import { parseFilter } from '../fakes/defender/indicator-filter';
import type { Indicator } from '../fakes/defender/types';
import { startDefenderKit, type DefenderKit } from '../fakes/fake-defender-kit';

const FAKE_NOW = Date.parse('2025-03-01T09:00:00Z');
const sha1s = (n: number, seed: string) => Array.from({ length: n }, (_, i) => ({ value: createHash('sha1').update(`${seed} ${i}`).digest('hex'), type: 'Sha1' as const }));
const seed = (value: string, extra: Record<string, unknown> = {}) => ({
  indicatorValue: value,
  indicatorType: 'FileSha1',
  action: 'Block',
  title: 't',
  description: 'd',
  ...extra,
});

describe('the fake Defender: $filter with the OData in operator', () => {
  const indicator = (indicatorValue: string) => ({ indicatorValue, indicatorType: 'FileSha1' }) as Indicator;

  it.each([
    ["indicatorValue in ('a','b')", ['a', 'b']],
    ["indicatorValue in ( 'a' , 'it''s' )", ['a', "it's"]],
    ["indicatorType eq 'FileSha1' and indicatorValue in ('c')", ['c']],
  ])('%s matches exactly %j', (filter, expected) => {
    const predicate = parseFilter(filter);
    expect(['a', 'b', 'c', "it's", 'd'].filter((v) => predicate(indicator(v)))).toEqual(expected);
  });

  it.each(["indicatorValue in ('a',)", "indicatorValue in 'a'", "indicatorValue in ('a'", "description in ('a')"])('refuses %s', (filter) => {
    expect(() => parseFilter(filter)).toThrow();
  });
});

describe('IndicatorsDefenderApi.existingBlocks', () => {
  let kit: DefenderKit;
  let api: IndicatorsDefenderApi;
  const now = new Date('2025-03-01T10:00:00.000Z');

  beforeAll(async () => {
    kit = await startDefenderKit({ now: () => FAKE_NOW });
  });
  afterAll(() => kit.close());
  beforeEach(() => {
    kit.fake.reset();
    api = new IndicatorsDefenderApi(kit.fake.indicatorsUrl, kit.http(), () => now);
  });

  it(`asks once per ${LOOKUP_BATCH} hashes with indicatorValue in (...), as the analyst, and maps the indicators in force`, async () => {
    const hashes = sha1s(150, 'many');
    kit.fake.seedIndicator(seed(hashes[3].value));
    kit.fake.seedIndicator(seed(hashes[120].value, { action: 'Allowed' }));
    kit.fake.seedIndicator(seed(hashes[7].value, { expirationTime: '2025-02-01T00:00:00Z' }));

    const found = await api.existingBlocks(hashes, kit.indicatorsToken);

    expect([...found.keys()].sort()).toEqual([hashes[3].value, hashes[120].value].sort());
    expect(found.get(hashes[120].value)?.actionType).toBe('Allowed');
    const gets = kit.fake.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.query.$filter)).toEqual([
      `indicatorValue in (${hashes
        .slice(0, 100)
        .map((h) => `'${h.value}'`)
        .join(',')})`,
      `indicatorValue in (${hashes
        .slice(100)
        .map((h) => `'${h.value}'`)
        .join(',')})`,
    ]);
    expect(gets.every((r) => r.claims?.oid === 'oid-ana')).toBe(true);
  });

  it('falls back to eq ... or eq ... where Defender refuses the in operator, and keeps to it', async () => {
    const hashes = sha1s(120, 'fallback');
    kit.fake.seedIndicator(seed(hashes[110].value));
    kit.fake.failNext(1, { status: 400, code: 'ODataError', message: "Operator 'in' is not supported.", matcher: (method, p) => method === 'GET' && p.endsWith('/indicators') });

    const found = await api.existingBlocks(hashes, kit.indicatorsToken);

    expect([...found.keys()]).toEqual([hashes[110].value]);
    const filters = kit.fake.requests.filter((r) => r.method === 'GET').map((r) => r.query.$filter);
    expect(filters).toHaveLength(3);
    expect(filters[0]).toMatch(/^indicatorValue in \(/);
    expect(filters[1]).toBe(
      hashes
        .slice(0, 100)
        .map((h) => `indicatorValue eq '${h.value}'`)
        .join(' or '),
    );
    expect(filters[2]).toMatch(/^indicatorValue eq '[0-9a-f]{40}'( or indicatorValue eq '[0-9a-f]{40}'){19}$/);
  });
});
