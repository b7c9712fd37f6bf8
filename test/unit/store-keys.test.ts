import { StoreKey, StorePrefix } from '../../src/domain/store-keys';

describe('StoreKey', () => {
  it('keys a pending command by conversation and user, ignoring a channel thread suffix', () => {
    expect(StoreKey.pending('19:abc@thread.tacv2;messageid=123', '29:u')).toBe(StoreKey.pending('19:abc@thread.tacv2', '29:u'));
    expect(StoreKey.pending('a:1', '29:u')).not.toBe(StoreKey.pending('a:1', '29:v'));
    expect(StoreKey.pending('a:1', '29:u')).toBe('pending/a:1|29:u');
  });

  it('gives every kind of record its own prefix', () => {
    const prefixes = Object.values(StorePrefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(a.startsWith(b)).toBe(false);
  });
});
