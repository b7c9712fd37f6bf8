import { DEFENDER_BUDGETS, RateLimiter, type CallKind } from '../../src/defender/rate-limiter';
import { IndicatorsDefenderApi } from '../../src/defender/indicators-defender-api';
import { startDefenderKit, type DefenderKit } from '../fakes/fake-defender-kit';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

function fakeClock(start = 0) {
  const clock = { now: start, sleeps: [] as number[] };
  const sleep = async (ms: number) => {
    clock.sleeps.push(ms);
    clock.now += ms;
  };
  return { clock, options: { now: () => clock.now, sleep } };
}

async function acquireMany(limiter: RateLimiter, kind: CallKind, n: number): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < n; i++) waits.push(await limiter.acquire(kind));
  return waits;
}

describe('RateLimiter', () => {
  it('lets 100 calls through in a minute and makes the 101st wait until the first leaves the window', async () => {
    const { clock, options } = fakeClock();
    const limiter = new RateLimiter(options);
    const first = await acquireMany(limiter, 'submit', 100);
    clock.now += 10_000;
    const waited = await limiter.acquire('submit');
    expect(first.every((w) => w === 0)).toBe(true);
    expect(waited).toBe(50_000);
    expect(clock.sleeps).toEqual([50_000]);
    expect(clock.now).toBe(60_000);
  });

  it('holds the 1,501st call of an hour until the hour has room', async () => {
    const { clock, options } = fakeClock();
    const limiter = new RateLimiter(options);
    for (let i = 0; i < 1_500; i++) {
      expect(await limiter.acquire('submit')).toBe(0);
      clock.now += 1_000;
    }
    const waited = await limiter.acquire('submit');
    expect(waited).toBe(3_600_000 - 1_500_000);
    expect(clock.now).toBe(3_600_000);
  });

  it('caps lookups at 40 queries a minute (600 an hour); actions (and their pre-checks) get what lookups leave', async () => {
    const { clock, options } = fakeClock();
    const limiter = new RateLimiter(options);
    const lookups = [];
    for (let i = 0; i < 40; i++) lookups.push(await limiter.acquire('query', 'lookup'));
    expect(lookups.every((w) => w === 0)).toBe(true);
    const actions = [];
    for (let i = 0; i < 60; i++) actions.push(await limiter.acquire('query', 'action'));
    expect(actions.every((w) => w === 0)).toBe(true);
    expect(clock.sleeps).toEqual([]);

    // Lookups have spent their 40%; actions spent the rest: the whole budget is used.
    expect(await limiter.acquire('query', 'lookup')).toBe(60_000);
    expect(await limiter.acquire('query', 'action')).toBe(0);
  });

  it('actions may spend the whole query budget when nobody looks up, and lookups then wait for it', async () => {
    const { clock, options } = fakeClock();
    const limiter = new RateLimiter(options);
    const actions = [];
    for (let i = 0; i < 100; i++) actions.push(await limiter.acquire('query', 'action'));
    expect(actions.every((w) => w === 0)).toBe(true);
    expect(clock.sleeps).toEqual([]);
    expect(await limiter.acquire('query', 'lookup')).toBe(60_000);
  });

  it('a loop of lookups does not delay a block: its pre-checks and its submit go straight through', async () => {
    const { clock, options } = fakeClock();
    const limiter = new RateLimiter(options);
    const looping = Promise.all(Array.from({ length: 200 }, () => limiter.acquire('query', 'lookup')));
    const block = await Promise.all([limiter.acquire('query', 'action'), limiter.acquire('query', 'action'), limiter.acquire('query', 'action'), limiter.acquire('submit')]);

    expect(block).toEqual([0, 0, 0, 0]);
    const lookupWaits = await looping;
    expect(lookupWaits.slice(0, 40).every((w) => w === 0)).toBe(true);
    expect(lookupWaits[40]).toBe(60_000);
    expect(clock.sleeps).toEqual([60_000, 60_000, 60_000, 60_000]);
  });

  it('gives imports 30 calls a minute and keeps each kind on its own budget', async () => {
    const { clock, options } = fakeClock();
    const limiter = new RateLimiter(options);
    await acquireMany(limiter, 'import', 30);
    const submitWait = await limiter.acquire('submit');
    const importWait = await limiter.acquire('import');
    expect(submitWait).toBe(0);
    expect(importWait).toBe(60_000);
    expect(clock.sleeps).toEqual([60_000]);
  });

  it('serves concurrent callers first come, first served, and never rejects', async () => {
    const { options } = fakeClock();
    const limiter = new RateLimiter({ ...options, budgets: { ...DEFENDER_BUDGETS, delete: [{ limit: 2, windowMs: 1_000 }] } });
    const waits = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire('delete')));
    expect(waits).toEqual([0, 0, 1_000, 0, 1_000]);
  });
});

describe('DefenderHttp with a RateLimiter', () => {
  let kit: DefenderKit;

  beforeAll(async () => {
    kit = await startDefenderKit();
  });
  afterAll(() => kit.close());
  beforeEach(() => kit.fake.reset());

  it('spends a slot of the call’s kind on every attempt, retries included', async () => {
    const { clock, options } = fakeClock();
    const limiter = new RateLimiter({ ...options, budgets: { ...DEFENDER_BUDGETS, query: [{ limit: 2, windowMs: 60_000 }] } });
    const api = new IndicatorsDefenderApi(kit.fake.indicatorsUrl, kit.http(limiter));
    kit.fake.failNext(1, { status: 503, matcher: (m) => m === 'GET' });

    const first = await api.currentBlock({ value: SHA1, type: 'Sha1' }, kit.indicatorsToken);
    const second = await api.currentBlock({ value: SHA1, type: 'Sha1' }, kit.indicatorsToken);

    expect([first, second]).toEqual([undefined, undefined]);
    expect(kit.fake.requests.map((r) => r.status)).toEqual([503, 200, 200]);
    expect(clock.sleeps).toEqual([60_000]);
    expect(await limiter.acquire('submit')).toBe(0);
  });

  it('keeps a status loop on the lookup client from delaying the action client over the same limiter', async () => {
    const { clock, options } = fakeClock();
    const limiter = new RateLimiter(options);
    const lookups = new IndicatorsDefenderApi(kit.fake.indicatorsUrl, kit.http(limiter, 'lookup'));
    const actions = new IndicatorsDefenderApi(kit.fake.indicatorsUrl, kit.http(limiter, 'action'));
    const hash = { value: SHA1, type: 'Sha1' as const };
    for (let i = 0; i < 40; i++) await lookups.currentBlock(hash, kit.indicatorsToken);
    expect(clock.sleeps).toEqual([]);

    await actions.currentBlock(hash, kit.indicatorsToken);
    await actions.block({ hash, comment: 'dropper', caller: { userId: '29:ana', name: 'Ana' } }, kit.indicatorsToken);

    expect(clock.sleeps).toEqual([]);
    expect(kit.fake.requests.map((r) => r.method).filter((m) => m === 'POST')).toHaveLength(1);
    await lookups.currentBlock(hash, kit.indicatorsToken);
    expect(clock.sleeps).toEqual([60_000]);
  });
});
