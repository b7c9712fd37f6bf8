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

  it('orders the open-approval index by due time, so everything due before a time sorts before its bound', () => {
    const keys = [StoreKey.openApproval(1_740_830_400_001, 'b'), StoreKey.openApproval(999, 'a'), StoreKey.openApproval(1_740_830_400_000, 'z')];
    expect([...keys].sort()).toEqual([StoreKey.openApproval(999, 'a'), StoreKey.openApproval(1_740_830_400_000, 'z'), StoreKey.openApproval(1_740_830_400_001, 'b')]);
    expect(StoreKey.openApproval(999, 'a')).toBe('open/approval/0000000000999/a');
    const bound = StoreKey.openApprovalDue(1_740_830_400_001);
    expect(keys.filter((k) => k < bound).sort()).toEqual([StoreKey.openApproval(999, 'a'), StoreKey.openApproval(1_740_830_400_000, 'z')]);
  });
});
