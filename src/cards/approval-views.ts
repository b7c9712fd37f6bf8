import type { ApprovalRequest, DecisionOutcome } from '../domain/approvals';
import type { Caller } from '../domain/caller';
import { HASH_NAMES } from '../domain/file-hash';
import { CardVerb } from './card-verbs';
import { formatUtc, optionalFact, type Fact } from './card-text';
import { noticeReply } from './notice';
import { refusalReply } from './refusal-views';
import { renderCard, type Reply } from './render';
import { inertText, markdownSafe } from './safe-text';

/** Who looks at an approval card: what they may do decides which buttons they see. */
export type ApprovalViewer = 'shared' | 'approver' | 'requester' | 'observer';

const HEADLINES: Record<ApprovalRequest['status'], { text: string; color: string }> = {
  pending: { text: 'Block requested: waiting for approval', color: 'Warning' },
  approving: { text: 'Approved: blocking…', color: 'Default' },
  approved: { text: 'Approved and blocked', color: 'Good' },
  rejected: { text: 'Rejected: NOT blocked', color: 'Attention' },
  cancelled: { text: 'Cancelled by the requester: NOT blocked', color: 'Default' },
  expired: { text: 'Expired: NOT blocked', color: 'Default' },
  failed: { text: 'Approved, but the block FAILED: NOT blocked', color: 'Attention' },
};

/**
 * The approval card. The shared view (what every viewer gets) carries the buttons for Action.Submit
 * clients, which cannot refresh; `refresh.userIds` gives approvers, the requester and known others
 * their own view, and every press is checked again by the bot.
 */
export function approvalCardReply(request: ApprovalRequest, viewer: ApprovalViewer, refreshUserIds: readonly string[] = []): Reply {
  const pending = request.status === 'pending';
  const decided = !pending && request.status !== 'approving';
  const headline = HEADLINES[request.status];
  const facts: Fact[] = [
    { label: 'Requested by', value: markdownSafe(request.requester.name) },
    { label: 'Requested', value: formatUtc(request.requestedAt) },
    ...optionalFact('Action', request.options?.action),
    ...optionalFact('Expires in Defender', request.options?.expiresAt, formatUtc),
    ...optionalFact('Severity', request.options?.severity),
    ...optionalFact('Device groups', request.options?.deviceGroups?.join(', ')),
    ...optionalFact(request.status === 'cancelled' ? 'Cancelled by' : 'Decided by', request.decidedBy?.name),
    ...optionalFact('Decided', request.decidedAt, formatUtc),
    ...optionalFact('Defender status', request.result?.fileStatus),
    ...optionalFact('Indicator id', request.result?.indicatorId),
    ...optionalFact('Failure', request.failure?.detail),
    ...optionalFact('Correlation id', request.failure?.correlationId),
    { label: 'Request id', value: request.id },
  ];
  const statusLine = pending
    ? `Waiting for a Security Administrator or Global Administrator other than ${inertText(request.requester.name)}. Expires ${formatUtc(request.expiresAt)}.`
    : decided
      ? 'This request is closed.'
      : "The approver's block is on its way to Defender.";
  const card = renderCard('approval', {
    headline: headline.text,
    headlineColor: headline.color,
    statusLine,
    hashLabel: `${HASH_NAMES[request.hash.type]} of the file`,
    hash: request.hash.value,
    facts,
    comment: inertText(request.comment),
    reason: inertText(request.reason ?? ''),
    notes: request.status === 'approved' ? ['Enforcement on devices usually takes 15 minutes to 2 hours.'] : [],
    canDecide: pending && (viewer === 'shared' || viewer === 'approver'),
    canRetry: request.status === 'failed' && (viewer === 'shared' || viewer === 'approver'),
    canCancel: pending && (viewer === 'shared' || viewer === 'requester'),
    hasRefresh: pending && refreshUserIds.length > 0,
    refreshUserIds: refreshUserIds.slice(0, 60),
    approvalId: request.id,
    verbs: CardVerb,
  });
  return { card, summary: `${headline.text}: ${HASH_NAMES[request.hash.type]} ${request.hash.value} (requested by ${request.requester.name})` };
}

/** Told to the requester in the conversation they asked from. */
export function requesterNoticeReply(request: ApprovalRequest): Reply {
  const file = `${HASH_NAMES[request.hash.type]} ${request.hash.value}`;
  switch (request.status) {
    case 'approved':
      return noticeReply(
        'Your block request was approved',
        [`${request.decidedBy?.name ?? 'An approver'} approved it and ${file} is now blocked in Defender, recorded under their name.`],
        { tone: 'good' },
      );
    case 'rejected':
      return noticeReply('Your block request was rejected', [
        `${request.decidedBy?.name ?? 'An approver'} rejected blocking ${file}; it is NOT blocked.`,
        ...(request.reason ? [`Reason: ${markdownSafe(request.reason)}`] : []),
      ]);
    case 'expired':
      return noticeReply('Your block request expired', [`Nobody approved blocking ${file} in time; it is NOT blocked. Ask again if it is still needed.`]);
    case 'failed':
      return noticeReply('Your block request was approved, but the block failed', [
        `${file} is NOT blocked: ${markdownSafe(request.failure?.detail ?? 'Defender did not take it')}. Approvers can retry from the approval card.`,
      ]);
    case 'cancelled':
      return noticeReply('Your block request was cancelled', [`${file} is NOT blocked.`], { tone: 'default' });
    case 'pending':
    case 'approving':
      return requestPendingReply(request, false);
  }
}

/** Told to the requester right after asking. */
export function requestPendingReply(request: ApprovalRequest, postedInChannel: boolean): Reply {
  return noticeReply(
    'Approval requested: NOT blocked yet',
    [
      `Your request to block ${HASH_NAMES[request.hash.type]} ${request.hash.value} waits for a second person with the role${postedInChannel ? ', in the SOC channel' : ''}. Request id: ${request.id}.`,
      `It expires ${formatUtc(request.expiresAt)}. You will be told here when it is decided.`,
    ],
    { tone: 'default' },
  );
}

/** A press that decided nothing: who decided first, self-approval, expiry, a role missing... */
export function decisionRefusedText(outcome: Exclude<DecisionOutcome, { kind: 'decided' }>, presser: Caller): string {
  switch (outcome.kind) {
    case 'unknown':
      return 'This approval request is unknown to the bot. Nothing was done.';
    case 'alreadyDecided': {
      const r = outcome.request;
      return r.decidedBy
        ? `${r.decidedBy.name} already decided this request (${r.status}) at ${formatUtc(r.decidedAt ?? r.requestedAt)}. Nothing more was done.`
        : `This request is already ${r.status}. Nothing more was done.`;
    }
    case 'expired':
      return 'This request has expired. Nothing was blocked.';
    case 'selfApproval':
      return 'You asked for this block, so someone else must approve it (four eyes). Nothing was done.';
    case 'notRequester':
      return 'Only the person who asked can cancel this request.';
    default:
      return refusalReply(outcome, 'block', presser, outcome.request.hash).summary;
  }
}
