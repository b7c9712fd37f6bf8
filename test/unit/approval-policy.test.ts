import { offersApprovalOnDenial, routeAction, type ActionRoute, type ApprovalPolicy, type AskedAction } from '../../src/domain/approval-policy';

describe('routeAction', () => {
  it.each<[ApprovalPolicy, AskedAction, ActionRoute]>([
    ['off', 'block', { kind: 'direct' }],
    ['off', 'request', { kind: 'refused', reason: 'approvalsOff' }],
    ['off', 'bulk', { kind: 'direct' }],
    ['off', 'unblock', { kind: 'direct' }],
    ['off', 'undo', { kind: 'direct' }],
    ['off', 'allow', { kind: 'direct' }],
    ['non-admins', 'block', { kind: 'direct' }],
    ['non-admins', 'request', { kind: 'approval' }],
    ['non-admins', 'bulk', { kind: 'direct' }],
    ['non-admins', 'unblock', { kind: 'direct' }],
    ['non-admins', 'undo', { kind: 'direct' }],
    ['non-admins', 'allow', { kind: 'direct' }],
    ['always', 'block', { kind: 'approval' }],
    ['always', 'request', { kind: 'approval' }],
    ['always', 'bulk', { kind: 'refused', reason: 'bulkNeedsApproval' }],
    ['always', 'unblock', { kind: 'approval' }],
    ['always', 'undo', { kind: 'approval' }],
    ['always', 'allow', { kind: 'approval' }],
  ])('policy %s, asked as %s', (policy, asked, route) => {
    expect(routeAction(policy, asked)).toEqual(route);
  });

  it('offers approval on a denial unless approvals are off', () => {
    expect([offersApprovalOnDenial('off'), offersApprovalOnDenial('non-admins'), offersApprovalOnDenial('always')]).toEqual([false, true, true]);
  });
});
