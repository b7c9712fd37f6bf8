/** Who needs a second person to approve a block. */
export type ApprovalPolicy = 'off' | 'non-admins' | 'always';

/** How a block asked for in a given way reaches Defender under the policy. */
export type BlockRoute = { readonly kind: 'direct' } | { readonly kind: 'approval' } | { readonly kind: 'refused'; readonly reason: 'approvalsOff' | 'bulkNeedsApproval' };

/** The one place the approval policy is decided: a plain block, an explicit request, or a bulk block. */
export function routeBlock(policy: ApprovalPolicy, asked: 'block' | 'request' | 'bulk'): BlockRoute {
  switch (asked) {
    case 'request':
      return policy === 'off' ? { kind: 'refused', reason: 'approvalsOff' } : { kind: 'approval' };
    case 'block':
      return policy === 'always' ? { kind: 'approval' } : { kind: 'direct' };
    case 'bulk':
      return policy === 'always' ? { kind: 'refused', reason: 'bulkNeedsApproval' } : { kind: 'direct' };
  }
}

/** Whether a denied block offers its caller a "Request approval" button. */
export function offersApprovalOnDenial(policy: ApprovalPolicy): boolean {
  return policy !== 'off';
}
