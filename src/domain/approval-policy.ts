/** Who needs a second person to approve an action. */
export type ApprovalPolicy = 'off' | 'non-admins' | 'always';

/** How an action reaches Defender under the policy: directly, through an approval request, or not at all. */
export type ActionRoute = { readonly kind: 'direct' } | { readonly kind: 'approval' } | { readonly kind: 'refused'; readonly reason: 'approvalsOff' | 'bulkNeedsApproval' };

/** What the caller asked for: a plain block, an explicit request, a bulk block, or lifting and allowing (unblock, Undo, allow). */
export type AskedAction = 'block' | 'request' | 'bulk' | 'unblock' | 'undo' | 'allow' | 'contain';

/**
 * The one place the approval policy is decided. Under `always` every change to what Defender
 * enforces (block, unblock, Undo, allow) and every stop & quarantine on devices goes through four eyes; under `non-admins` callers without
 * the role are offered a request on their denial card (for blocks and allows), and others act directly.
 */
export function routeAction(policy: ApprovalPolicy, asked: AskedAction): ActionRoute {
  switch (asked) {
    case 'request':
      return policy === 'off' ? { kind: 'refused', reason: 'approvalsOff' } : { kind: 'approval' };
    case 'block':
    case 'contain':
    case 'unblock':
    case 'undo':
    case 'allow':
      return policy === 'always' ? { kind: 'approval' } : { kind: 'direct' };
    case 'bulk':
      return policy === 'always' ? { kind: 'refused', reason: 'bulkNeedsApproval' } : { kind: 'direct' };
  }
}

/** Whether a denied block or allow offers its caller a "Request approval" button. */
export function offersApprovalOnDenial(policy: ApprovalPolicy): boolean {
  return policy !== 'off';
}
