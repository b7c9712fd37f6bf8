import { DefenderError } from '../../src/errors';
import { withRetries } from '../../src/defender/retry';

function policy(overrides: Partial<Parameters<typeof withRetries>[1]> = {}) {
  const sleeps: number[] = [];
  return { sleeps, policy: { maxAttempts: 3, maxRetryAfterSeconds: 30, baseDelayMs: 100, sleep: async (ms: number) => void sleeps.push(ms), ...overrides } };
}

describe('withRetries', () => {
  it('honours Retry-After on 429 then succeeds', async () => {
    const { sleeps, policy: p } = policy();
    const answers = [new DefenderError('rateLimited', 'slow down', { retryAfterSeconds: 2 })];
    const result = await withRetries(async () => {
      const next = answers.shift();
      if (next) throw next;
      return 'ok';
    }, p);
    expect(result).toBe('ok');
    expect(sleeps).toEqual([2000]);
  });

  it('gives up at once when Retry-After exceeds the bound', async () => {
    const { sleeps, policy: p } = policy({ maxRetryAfterSeconds: 5 });
    const error = await withRetries(async () => {
      throw new DefenderError('rateLimited', 'slow down', { retryAfterSeconds: 60 });
    }, p).catch((e: DefenderError) => e);
    expect(error).toBeInstanceOf(DefenderError);
    expect(error.details).toMatchObject({ retryAfterSeconds: 60, attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('retries 5xx with growing backoff, then reports the attempts', async () => {
    const { sleeps, policy: p } = policy();
    let calls = 0;
    const error = await withRetries(async () => {
      calls++;
      throw new DefenderError('unavailable', 'boom', { httpStatus: 500, correlationId: 'c' });
    }, p).catch((e: DefenderError) => e);
    expect(calls).toBe(3);
    expect(error.details).toMatchObject({ attempts: 3, correlationId: 'c', httpStatus: 500 });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('does not retry a client error', async () => {
    const { sleeps, policy: p } = policy();
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw new DefenderError('invalidHash', 'bad');
      }, p),
    ).rejects.toMatchObject({ reason: 'invalidHash' });
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });
});

describe('withRetries and 503', () => {
  it('waits the Retry-After a 503 names, like a 429', async () => {
    const { sleeps, policy: p } = policy();
    const answers = [new DefenderError('unavailable', 'busy', { httpStatus: 503, retryAfterSeconds: 3 })];
    const result = await withRetries(async () => {
      const next = answers.shift();
      if (next) throw next;
      return 'ok';
    }, p);
    expect([result, sleeps]).toEqual(['ok', [3000]]);
  });
});
