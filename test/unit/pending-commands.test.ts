import { PendingCommands, pendingKey } from '../../src/bot/pending-commands';

describe('PendingCommands', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('hands a waiting command out once', () => {
    const expired: string[] = [];
    const pending = new PendingCommands<string>(1000, (v) => expired.push(v));
    pending.put('k', 'block a');
    expect(pending.take('k')).toBe('block a');
    expect(pending.take('k')).toBeUndefined();
    jest.advanceTimersByTime(2000);
    expect(expired).toEqual([]);
  });

  it('expires a command once after the timeout, and a newer command replaces an older one', () => {
    const expired: string[] = [];
    const pending = new PendingCommands<string>(1000, (v) => expired.push(v));
    pending.put('k', 'first');
    jest.advanceTimersByTime(600);
    pending.put('k', 'second');
    jest.advanceTimersByTime(600);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(500);
    expect(expired).toEqual(['second']);
    expect(pending.take('k')).toBeUndefined();
  });

  it('keys by conversation and user, ignoring a channel thread suffix', () => {
    expect(pendingKey('19:abc@thread.tacv2;messageid=123', '29:u')).toBe(pendingKey('19:abc@thread.tacv2', '29:u'));
    expect(pendingKey('a:1', '29:u')).not.toBe(pendingKey('a:1', '29:v'));
  });
});
