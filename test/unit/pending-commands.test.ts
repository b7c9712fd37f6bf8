import { pendingKey } from '../../src/bot/pending-commands';

describe('pendingKey', () => {
  it('keys by conversation and user, ignoring a channel thread suffix', () => {
    expect(pendingKey('19:abc@thread.tacv2;messageid=123', '29:u')).toBe(pendingKey('19:abc@thread.tacv2', '29:u'));
    expect(pendingKey('a:1', '29:u')).not.toBe(pendingKey('a:1', '29:v'));
    expect(pendingKey('a:1', '29:u')).toBe('a:1|29:u');
  });
});
