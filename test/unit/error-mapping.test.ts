import { isRetryable, mapDefenderError, parseRetryAfter } from '../../src/defender/error-mapping';

const body = (code: string, message = 'msg', target = 'corr-1') => ({ error: { code, message, target } });

describe('mapDefenderError', () => {
  it.each([
    [400, body('InvalidHashValue'), 'invalidHash', false],
    [400, body('MissingRequiredParameter'), 'invalidRequest', false],
    [400, body('MaximumBatchSizeExceeded'), 'invalidRequest', false],
    [401, body('Unauthorized'), 'unauthorized', false],
    [403, body('Forbidden'), 'forbidden', false],
    [403, body('DisabledFeature'), 'featureDisabled', false],
    [400, body('DisabledFeature'), 'featureDisabled', false],
    [404, body('NotFound'), 'notFound', false],
    [429, body('TooManyRequests'), 'rateLimited', true],
    [500, body('InternalServerError'), 'unavailable', true],
    [503, undefined, 'unavailable', true],
    [504, undefined, 'timeout', true],
    [302, undefined, 'unexpected', false],
  ])('HTTP %i %j → %s', (status, answer, reason, retryable) => {
    const error = mapDefenderError(status, answer, '7');
    expect(error.reason).toBe(reason);
    expect(error.details.httpStatus).toBe(status);
    expect(isRetryable(error)).toBe(retryable);
    if (answer) {
      expect(error.details.upstreamCode).toBe(answer.error.code);
      expect(error.details.correlationId).toBe('corr-1');
      expect(error.message).toBe('msg');
    } else {
      expect(error.message).toBe(`Defender answered HTTP ${status}.`);
    }
    expect(error.details.retryAfterSeconds).toBe(status === 429 ? 7 : undefined);
  });

  it('tolerates a body that is not the documented shape', () => {
    const error = mapDefenderError(500, '<html>oops</html>');
    expect(error.reason).toBe('unavailable');
    expect(error.details.correlationId).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it.each([
    ['5', 5],
    ['0', 0],
    ['2.2', 3],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
});
