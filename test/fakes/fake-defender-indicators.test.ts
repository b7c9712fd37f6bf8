import { FakeDefender } from './fake-defender';
import { callJson } from './http-json';
import { analystToken, createTestSigner, type TestSigner } from './test-signer';

const MDE = 'https://api.securitycenter.microsoft.com';
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';

describe('FakeDefender: the indicators API, its limits and scripted faults', () => {
  let signer: TestSigner;
  let defender: FakeDefender;
  let clock: number;
  let tiToken: string;

  beforeAll(async () => {
    signer = await createTestSigner();
  });

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    defender = new FakeDefender({ verify: signer.verify, now: () => clock, rateLimit: true });
    await defender.start();
    tiToken = await analystToken(signer, MDE, 'Ti.ReadWrite File.Read.All');
  });
  afterEach(() => defender.close());

  it('submits or updates one indicator per value and type', async () => {
    const body = { indicatorValue: SHA256, indicatorType: 'FileSha256', action: 'Block', title: 't', description: 'd', application: 'bot' };
    const first = await callJson(`${defender.indicatorsUrl}/indicators`, tiToken, { method: 'POST', body });
    clock += 1000;
    const second = await callJson(`${defender.indicatorsUrl}/indicators`, tiToken, { method: 'POST', body: { ...body, title: 't2', application: 'other' } });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ createdBy: 'Analyst@contoso.com', createdByDisplayName: 'Ana Lyst', sourceType: 'User', lastUpdatedBy: null });
    expect(second.json).toMatchObject({ id: first.json.id, title: 't2', application: 'bot', lastUpdatedBy: 'Analyst@contoso.com' });
    expect(second.json.lastUpdateTime).not.toBe(first.json.lastUpdateTime);
    expect(defender.indicators()).toHaveLength(1);
  });

  it('validates indicator fields case-sensitively, hash lengths and Audit', async () => {
    const base = { indicatorValue: SHA1, indicatorType: 'FileSha1', action: 'Block', title: 't', description: 'd' };
    const post = (body: unknown) => callJson(`${defender.indicatorsUrl}/indicators`, tiToken, { method: 'POST', body });
    const { indicatorValue, ...rest } = base;
    const wrongCase = await post({ ...rest, IndicatorValue: indicatorValue });
    const wrongLength = await post({ ...base, indicatorType: 'FileSha256' });
    const audit = await post({ ...base, action: 'Audit' });
    expect(wrongCase.json.error).toMatchObject({ code: 'MissingRequiredParameter', message: 'Parameter indicatorValue is missing.' });
    expect([wrongLength.status, wrongLength.json.error.code]).toEqual([400, 'InvalidHashValue']);
    expect([audit.status, audit.json.error.code]).toEqual([400, 'InvalidInput']);
    expect(defender.indicators()).toEqual([]);
  });

  it('filters indicators with $filter, $top and $skip', async () => {
    for (const [value, type] of [
      [SHA1, 'FileSha1'],
      [SHA256, 'FileSha256'],
      ['d41d8cd98f00b204e9800998ecf8427e', 'FileMd5'],
    ]) {
      defender.seedIndicator({ indicatorValue: value, indicatorType: type, action: 'Block', title: 't', description: 'd' });
    }
    const q = (params: string) => callJson(`${defender.indicatorsUrl}/indicators?${params}`, tiToken);
    const one = await q(`$filter=${encodeURIComponent(`indicatorValue eq '${SHA256}' and indicatorType eq 'FileSha256'`)}`);
    const none = await q(`$filter=${encodeURIComponent(`indicatorValue eq '${SHA256}' and indicatorType eq 'FileSha1'`)}`);
    const paged = await q('$top=1&$skip=1');
    const bad = await q(`$filter=${encodeURIComponent("indicatorValue eq 'x' xor")}`);
    expect(one.json['@odata.context']).toContain('$metadata#Indicators');
    expect(one.json.value.map((i: { indicatorValue: string }) => i.indicatorValue)).toEqual([SHA256]);
    expect(none.json.value).toEqual([]);
    expect(paged.json.value.map((i: { indicatorType: string }) => i.indicatorType)).toEqual(['FileSha256']);
    expect([bad.status, bad.json.error.code]).toEqual([400, 'ODataError']);
  });

  it('imports per item and rejects batches over 500', async () => {
    const item = (v: string) => ({ indicatorValue: v, indicatorType: 'FileSha1', action: 'Block', title: 't', description: 'd' });
    const tooMany = await callJson(`${defender.indicatorsUrl}/indicators/import`, tiToken, { method: 'POST', body: { Indicators: Array.from({ length: 501 }, () => item(SHA1)) } });
    const mixed = await callJson(`${defender.indicatorsUrl}/indicators/import`, tiToken, { method: 'POST', body: { Indicators: [item(SHA1), item('abc')] } });
    expect([tooMany.status, tooMany.json.error.code]).toEqual([400, 'MaximumBatchSizeExceeded']);
    expect(mixed.json.value).toEqual([
      { id: expect.any(String), indicator: SHA1, isFailed: false, failureReason: null },
      { id: null, indicator: 'abc', isFailed: true, failureReason: 'Hash value abc is invalid.' },
    ]);
  });

  it('requires Ti.ReadWrite on the indicators API', async () => {
    const readOnly = await analystToken(signer, MDE, 'File.Read.All');
    const res = await callJson(`${defender.indicatorsUrl}/indicators`, readOnly);
    expect([res.status, res.json.error.code]).toEqual([403, 'Forbidden']);
  });

  it('plays scripted 429s with Retry-After and enforces the import rate limit', async () => {
    defender.failNext(1, { status: 429, retryAfterSec: 7, matcher: (m, p) => m === 'GET' && p.endsWith('/indicators') });
    const throttled = await callJson(`${defender.indicatorsUrl}/indicators`, tiToken);
    const after = await callJson(`${defender.indicatorsUrl}/indicators`, tiToken);
    expect([throttled.status, throttled.json.error.code, throttled.headers.get('retry-after')]).toEqual([429, 'TooManyRequests', '7']);
    expect(after.status).toBe(200);

    const imp = () => callJson(`${defender.indicatorsUrl}/indicators/import`, tiToken, { method: 'POST', body: { Indicators: [] } });
    for (let i = 0; i < 30; i += 1) expect((await imp()).status).toBe(200);
    clock += 20_000;
    const limited = await imp();
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '40']);
    clock += 40_000;
    expect((await imp()).status).toBe(200);
  });

  it('stalls for timeouts and keeps failing with n = Infinity', async () => {
    defender.failNext(1, { delayMs: 2_000 });
    const url = `${defender.indicatorsUrl}/indicators`;
    const init = { headers: { authorization: `Bearer ${tiToken}` }, signal: AbortSignal.timeout(100) };
    await expect(fetch(url, init)).rejects.toThrow();
    defender.failNext(Infinity, { status: 500 });
    const failures = await Promise.all([1, 2, 3].map(() => callJson(url, tiToken)));
    expect(failures.map((f) => [f.status, f.json.error.code])).toEqual(Array(3).fill([500, 'InternalServerError']));
  });
});
