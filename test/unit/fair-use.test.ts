import { TestAdapter } from 'botbuilder';
import { Admission } from '../../src/bot/admission';
import { FairUse, fairUseKey, type BucketSettings } from '../../src/domain/fair-use';
import type { Logger, Store } from '../../src/domain/ports';
import { StoreKey } from '../../src/domain/store-keys';
import { MemoryStore } from '../../src/storage/memory-store';
import { ANA, RILEY, TENANT_ID, executeActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';

const SERVICE_URL = 'https://smba.test.example/emea/';
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const ANA_KEY = fairUseKey({ tenantId: TENANT_ID, aadObjectId: ANA.aadObjectId, userId: ANA.id });

/** A clock the test moves by hand. */
function clock(start = Date.parse('2026-12-01T10:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

/** A store that counts its round trips, optionally failing every call. */
function counting(inner: Store, failWith?: Error) {
  const calls: string[] = [];
  const store: Store = {
    get: async (key) => {
      calls.push(`get ${key}`);
      if (failWith) throw failWith;
      return inner.get(key);
    },
    put: async (key, value, condition) => {
      calls.push(`put ${key}`);
      if (failWith) throw failWith;
      return inner.put(key, value, condition);
    },
    delete: (key, condition) => inner.delete(key, condition),
    list: (prefix) => inner.list(prefix),
  };
  return { store, calls };
}

const buckets = (command: BucketSettings, press: BucketSettings = { perMinute: 60, burst: 60 }) => ({ command, press });

describe('FairUse: per-user token buckets on the Store', () => {
  it('lets a burst through, refuses the next with when to retry, and refills at the rate per minute', async () => {
    const time = clock();
    const fair = new FairUse({ store: new MemoryStore({ now: time.now }), now: time.now, buckets: buckets({ perMinute: 6, burst: 3 }) });

    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await fair.take('command', ANA_KEY));
    expect(verdicts).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: false, retryAfterSeconds: 10 }]);

    time.advance(4_000);
    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: false, retryAfterSeconds: 6 });
    time.advance(6_000);
    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: true });
    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: false, retryAfterSeconds: 10 });
  });

  it('keeps one bucket per person and per kind', async () => {
    const time = clock();
    const fair = new FairUse({ store: new MemoryStore({ now: time.now }), now: time.now, buckets: buckets({ perMinute: 1, burst: 1 }, { perMinute: 1, burst: 1 }) });
    const rileyKey = fairUseKey({ tenantId: TENANT_ID, aadObjectId: RILEY.aadObjectId, userId: RILEY.id });

    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: true });
    expect(await fair.take('command', ANA_KEY)).toMatchObject({ ok: false });
    expect(await fair.take('press', ANA_KEY)).toEqual({ ok: true });
    expect(await fair.take('command', rileyKey)).toEqual({ ok: true });
  });

  it('is shared by two instances over one store: the second instance sees what the first spent', async () => {
    const time = clock();
    const shared = new MemoryStore({ now: time.now });
    const first = new FairUse({ store: shared, now: time.now, buckets: buckets({ perMinute: 30, burst: 2 }) });
    const second = new FairUse({ store: new MemoryStore({ now: time.now, sharing: shared }), now: time.now, buckets: buckets({ perMinute: 30, burst: 2 }) });

    expect(await first.take('command', ANA_KEY)).toEqual({ ok: true });
    expect(await second.take('command', ANA_KEY)).toEqual({ ok: true });
    expect(await first.take('command', ANA_KEY)).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(await second.take('command', ANA_KEY)).toEqual({ ok: false, retryAfterSeconds: 2 });
  });

  it('spends at most one read and one write per admitted command, and only a read when refusing', async () => {
    const time = clock();
    const { store, calls } = counting(new MemoryStore({ now: time.now }));
    const fair = new FairUse({ store, now: time.now, buckets: buckets({ perMinute: 1, burst: 1 }) });
    const key = StoreKey.fairUse('command', ANA_KEY);

    await fair.take('command', ANA_KEY);
    await fair.take('command', ANA_KEY);

    expect(calls).toEqual([`get ${key}`, `put ${key}`, `get ${key}`]);
  });

  it('reads again when another instance wrote the bucket between its read and its write, so no token is spent twice', async () => {
    const time = clock();
    const shared = new MemoryStore({ now: time.now });
    const other = new FairUse({ store: new MemoryStore({ now: time.now, sharing: shared }), now: time.now, buckets: buckets({ perMinute: 30, burst: 2 }) });
    let raced = false;
    const racing: Store = {
      get: async (key) => {
        const read = await shared.get(key);
        if (!raced) {
          raced = true;
          expect(await other.take('command', ANA_KEY)).toEqual({ ok: true });
        }
        return read as never;
      },
      put: (key, value, condition) => shared.put(key, value, condition),
      delete: (key, condition) => shared.delete(key, condition),
      list: (prefix) => shared.list(prefix),
    };
    const fair = new FairUse({ store: racing, now: time.now, buckets: buckets({ perMinute: 30, burst: 2 }) });

    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: true });
    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: false, retryAfterSeconds: 2 });
    const stored = await shared.get<{ tokens: number }>(StoreKey.fairUse('command', ANA_KEY));
    expect(stored?.value.tokens).toBe(0);
  });

  it('refuses (retry in a second) when every attempt loses the race', async () => {
    const time = clock();
    const inner = new MemoryStore({ now: time.now });
    const losing: Store = {
      ...inner,
      get: (key) => inner.get(key),
      put: async () => ({ ok: false, reason: 'conflict' }),
      delete: (k, c) => inner.delete(k, c),
      list: (p) => inner.list(p),
    };
    const fair = new FairUse({ store: losing, now: time.now, buckets: buckets({ perMinute: 30, burst: 30 }) });

    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('lets the command through and reports it when the store cannot be reached (fail open)', async () => {
    const time = clock();
    const { store } = counting(new MemoryStore({ now: time.now }), new Error('store down'));
    const errors: unknown[] = [];
    const fair = new FairUse({ store, now: time.now, buckets: buckets({ perMinute: 1, burst: 1 }), onStoreError: (e) => errors.push(e) });

    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: true });
    expect(await fair.take('command', ANA_KEY)).toEqual({ ok: true });
    expect(errors).toEqual([new Error('store down'), new Error('store down')]);
  });

  it('reads nothing when the limit is off (0 per minute)', async () => {
    const time = clock();
    const { store, calls } = counting(new MemoryStore({ now: time.now }));
    const fair = new FairUse({ store, now: time.now, buckets: buckets({ perMinute: 0, burst: 1 }) });

    for (let i = 0; i < 5; i++) expect(await fair.take('command', ANA_KEY)).toEqual({ ok: true });
    expect(calls).toEqual([]);
  });
});

describe('Admission: fair use', () => {
  function instance(settings: { command: BucketSettings; press: BucketSettings }) {
    const store = new MemoryStore();
    const reached: string[] = [];
    const adapter = new TestAdapter();
    const fairUse = new FairUse({ store, now: () => new Date(), buckets: settings });
    adapter.use(new Admission({ seen: store, teamsOnly: true, allowedTenants: [TENANT_ID], logger: quiet, fairUse }));
    const deliver = async (activity: Record<string, unknown>) => {
      const before = adapter.activeQueue.length;
      await adapter.processActivity(structuredClone(activity), async (context) => {
        reached.push(`${context.activity.type}:${context.activity.id}`);
      });
      return adapter.activeQueue.slice(before);
    };
    return { deliver, reached };
  }

  it('answers a command over the limit with "Slow down: nothing was done" and does not run it', async () => {
    const { deliver, reached } = instance({ command: { perMinute: 1, burst: 2 }, press: { perMinute: 60, burst: 60 } });

    await deliver(messageActivity(SERVICE_URL, 'status abc', { user: ANA, id: 'm-1' }));
    await deliver(messageActivity(SERVICE_URL, 'status abc', { user: ANA, id: 'm-2' }));
    const sent = await deliver(messageActivity(SERVICE_URL, 'block abc now', { user: ANA, id: 'm-3' }));

    expect(reached).toEqual(['message:m-1', 'message:m-2']);
    expect(sent.map((a) => cardTexts(a.attachments?.[0]?.content))).toEqual([
      ['Slow down: nothing was done', 'You sent more commands than this bot takes from one person in a minute.', 'Try again in 60 seconds.'],
    ]);
  });

  it('answers a card press over the limit with an Action.Execute message response and does not run it', async () => {
    const { deliver, reached } = instance({ command: { perMinute: 60, burst: 60 }, press: { perMinute: 2, burst: 1 } });

    await deliver(executeActivity(SERVICE_URL, 'card-1', 'block.confirm', { confirmId: 'c-1' }, { user: ANA }));
    const sent = await deliver(executeActivity(SERVICE_URL, 'card-1', 'block.confirm', { confirmId: 'c-1' }, { user: ANA }));

    expect(reached).toHaveLength(1);
    expect(sent.filter((a) => a.type === 'invokeResponse').map((a) => a.value)).toEqual([
      { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Slow down: nothing was done. Try again in 30 seconds.' } },
    ]);
    expect(sent.filter((a) => a.type === 'message')).toEqual([]);
  });

  it('does not count a re-delivery Teams sends again', async () => {
    const { deliver, reached } = instance({ command: { perMinute: 1, burst: 1 }, press: { perMinute: 60, burst: 60 } });
    const message = messageActivity(SERVICE_URL, 'status abc', { user: ANA, id: 'm-1' });

    await deliver(message);
    expect(await deliver(message)).toEqual([]);

    expect(reached).toEqual(['message:m-1']);
  });
});
