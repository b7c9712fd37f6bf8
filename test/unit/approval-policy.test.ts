import { offersApprovalOnDenial, routeBlock, type ApprovalPolicy } from '../../src/domain/approval-policy';

describe('routeBlock', () => {
  it.each<[ApprovalPolicy, 'block' | 'request' | 'bulk', ReturnType<typeof routeBlock>]>([
    ['off', 'block', { kind: 'direct' }],
    ['off', 'request', { kind: 'refused', reason: 'approvalsOff' }],
    ['off', 'bulk', { kind: 'direct' }],
    ['non-admins', 'block', { kind: 'direct' }],
    ['non-admins', 'request', { kind: 'approval' }],
    ['non-admins', 'bulk', { kind: 'direct' }],
    ['always', 'block', { kind: 'approval' }],
    ['always', 'request', { kind: 'approval' }],
    ['always', 'bulk', { kind: 'refused', reason: 'bulkNeedsApproval' }],
  ])('policy %s, asked as %s', (policy, asked, route) => {
    expect(routeBlock(policy, asked)).toEqual(route);
  });

  it('offers approval on a denial unless approvals are off', () => {
    expect([offersApprovalOnDenial('off'), offersApprovalOnDenial('non-admins'), offersApprovalOnDenial('always')]).toEqual([false, true, true]);
  });
});
