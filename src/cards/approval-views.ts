import { approverOf, lastDecision, type ApprovalRequest } from '../domain/approval-record';
import type { DecisionOutcome } from '../domain/approvals';
import type { Caller } from '../domain/caller';
import { HASH_NAMES } from '../domain/file-hash';
import { decisionText, headlineOf, WORDS } from './approval-words';
import { CardVerb } from './card-verbs';
import { defenderWord, factsAndFields, formatUtc, localTime, optionalFact, toneStyle, type Fact } from './card-text';
import { noticeReply } from './notice';
import { refusalReply } from './refusal-views';
import { renderCard, type Reply } from './render';
import { NAME_MAX, shown, shownInRun, shownName } from './safe-text';

/** Who looks at an approval card: what they may do decides which buttons they see. */
export type ApprovalViewer = 'shared' | 'approver' | 'requester' | 'observer';

/**
 * The approval card. The shared view (what every viewer gets) carries the buttons for Action.Submit
 * clients, which cannot refresh; `refresh.userIds` gives approvers, the requester and known others
 * their own view, and every press is checked again by the bot.
 */
export function approvalCardReply(request: ApprovalRequest, viewer: ApprovalViewer, refreshUserIds: readonly string[] = []): Reply {
  const pending = request.status === 'pending';
  const decided = !pending && request.status !== 'approving';
  const words = WORDS[request.action];
  const headline = headlineOf(request);
  const last = [...request.decisions].reverse().find((d) => d.by);
  const facts: Fact[] = [
    { label: 'Requested by', value: shownName(request.requester.name) },
    ...optionalFact('Requested', request.requestedAt, formatUtc),
    ...optionalFact('Action', request.options?.action, defenderWord),
    ...optionalFact('Expires in Defender', request.options?.expiresAt, formatUtc),
    ...optionalFact('Severity', request.options?.severity),
    ...optionalFact('Device groups', request.options?.deviceGroups?.join(', ')),
    ...optionalFact('Undoes the block by', request.undo?.blockedBy, undefined, NAME_MAX),
    ...optionalFact('Blocked', request.undo?.blockedAt, formatUtc),
    ...optionalFact('Its indicator id', request.undo?.made.indicatorId),
    ...optionalFact(last?.action === 'cancel' ? 'Cancelled by' : 'Decided by', last?.by?.name, undefined, NAME_MAX),
    ...optionalFact('Defender status', request.result?.fileStatus, defenderWord),
    ...optionalFact('Indicator id', request.result?.indicatorId),
    ...optionalFact('Failure', request.failure?.detail),
    ...optionalFact('Correlation id', request.failure?.correlationId),
    { label: 'Request id', value: shown(request.id) },
  ];
  const statusLine = pending
    ? `Waiting for a Security Administrator or Global Administrator other than ${shownName(request.requester.name)}. Expires ${localTime(request.expiresAt)}.`
    : request.status === 'failed'
      ? `Approvers can retry the ${words.noun} until ${localTime(request.expiresAt)}.`
      : decided
        ? 'This request is closed.'
        : `The approver's ${words.noun} is on its way to Defender.`;
  const existing = request.existing;
  const listed = request.listed;
  const laid = factsAndFields(facts);
  const existingLaid = factsAndFields(listed ? listed.map(listedFact) : existing ? existingFacts(existing) : optionalFact('Why', request.existingUnknown));
  const card = renderCard('approval', {
    headline: headline.text,
    tone: toneStyle(headline.tone),
    statusLine,
    hashLabel: `${HASH_NAMES[request.hash.type]} of the file`,
    hash: request.hash.value,
    facts: laid.facts,
    fields: laid.fields,
    hasExisting: ['pending', 'approving', 'failed'].includes(request.status) && (!!existing || !!listed || !!request.existingUnknown),
    existingTitle: listed
      ? listed.length === 0
        ? 'Defender listed no block for this file when the request was made'
        : `An approved unblock lifts ${listed.length === 1 ? 'this indicator' : `these ${listed.length} indicators`}`
      : existing
        ? `Already in Defender: an approved ${words.noun} replaces this`
        : request.action === 'unblock'
          ? 'Defender could not be asked what an unblock would lift'
          : 'Defender could not be asked whether this file already has an indicator',
    existingFacts: existingLaid.facts,
    existingFactsFields: existingLaid.fields,
    decisions: request.decisions.map((d) => `${localTime(d.at)}: ${shown(decisionText(d, request.action))}`),
    comment: shownInRun(request.comment),
    reason: shownInRun(request.reason ?? ''),
    notes: request.status === 'approved' ? [request.note ?? 'Enforcement on devices usually takes 15 minutes to 2 hours.'] : [],
    approveTitle: words.approve,
    retryTitle: `Retry the ${words.noun}`,
    canDecide: pending && (viewer === 'shared' || viewer === 'approver'),
    canRetry: request.status === 'failed' && (viewer === 'shared' || viewer === 'approver'),
    canCancel: pending && viewer === 'requester',
    hasRefresh: pending && refreshUserIds.length > 0,
    refreshUserIds: refreshUserIds.slice(0, 60),
    approvalId: request.id,
    verbs: CardVerb,
  });
  return { card, summary: `${headline.text}: ${HASH_NAMES[request.hash.type]} ${request.hash.value} (requested by ${request.requester.name})` };
}

/** One indicator an unblock would lift: id, action, who created it and when. */
function listedFact(block: NonNullable<ApprovalRequest['listed']>[number]): Fact {
  const who = block.createdBy ? ` by ${shownName(block.createdBy)}` : '';
  const when = block.createdAt ? `, ${formatUtc(block.createdAt)}` : '';
  const foreign = block.foreign ? ' (not created by this bot)' : '';
  return { label: block.id ? `Indicator ${shown(block.id)}` : 'FileAction', value: `${shown(defenderWord(block.action))}${who}${when}${foreign}` };
}

/** The indicator already in force: what it does, who set it and when. */
function existingFacts(status: NonNullable<ApprovalRequest['existing']>): Fact[] {
  return [
    { label: 'Current action', value: `${shown(defenderWord(status.actionType))} (${shown(defenderWord(status.fileStatus).toLowerCase())})` },
    ...optionalFact('Set by', status.requestor, undefined, NAME_MAX),
    ...optionalFact('Set', status.creationDateTimeUtc ?? status.lastUpdateDateTimeUtc, formatUtc),
    ...optionalFact('Its comment', status.requestorComment, undefined, 160),
    ...optionalFact('It expires', status.expirationTime, formatUtc),
    ...optionalFact('Its indicator id', status.indicatorId),
  ];
}

/** Told to the requester in the conversation they asked from. */
export function requesterNoticeReply(request: ApprovalRequest): Reply {
  const file = `${HASH_NAMES[request.hash.type]} ${request.hash.value}`;
  const decider = lastDecision(request)?.by;
  const w = WORDS[request.action];
  switch (request.status) {
    case 'approved': {
      const approver = approverOf(request) ? shownName(approverOf(request)!.name) : 'An approver';
      const actor = decider ? shownName(decider.name) : approver;
      const result = request.note
        ? `${shown(request.note)} (${file}, as ${actor})`
        : `${file} is now ${w.done} in Defender, recorded under ${actor === approver ? 'their' : `${actor}'s`} name.`;
      return noticeReply(
        `Your ${w.noun} request was approved`,
        [actor === approver ? `${approver} approved it: ${result}` : `${approver} approved it; the ${w.noun} failed at first, and ${actor} retried it: ${result}`],
        { tone: 'good' },
      );
    }
    case 'rejected':
      return noticeReply(`Your ${w.noun} request was rejected`, [
        `${decider ? shownName(decider.name) : 'An approver'} rejected the request ${w.toDo} ${file}; it is ${w.notDone}.`,
        ...(request.reason ? [`Reason: ${shown(request.reason)}`] : []),
      ]);
    case 'expired':
      return noticeReply(`Your ${w.noun} request expired`, [
        approverOf(request)
          ? `The approved ${w.noun} of ${file} failed and was not retried before the request expired; it is ${w.notDone}. Ask again if it is still needed.`
          : `Nobody approved the request ${w.toDo} ${file} in time; it is ${w.notDone}. Ask again if it is still needed.`,
      ]);
    case 'failed':
      if (request.failure?.unknown) {
        return noticeReply(`Your ${w.noun} request was approved, but its outcome is unknown`, [
          `The ${w.noun} of ${file} was sent, but Defender's answer was lost: it may have been carried out. Send "status ${request.hash.value}" to see what Defender holds.`,
        ]);
      }
      return noticeReply(`Your ${w.noun} request was approved, but the ${w.noun} failed`, [
        `${file} is ${w.notDone}. ${request.failure ? asSentence(shown(request.failure.detail)) : 'Defender did not take it.'} Approvers can retry from the approval card.`,
      ]);
    case 'cancelled':
      return noticeReply(`Your ${w.noun} request was cancelled`, [`${file} is ${w.notDone}.`], { tone: 'default' });
    case 'pending':
    case 'approving':
      return requestPendingReply(request, false);
  }
}

/** Told to the requester right after asking. */
export function requestPendingReply(request: ApprovalRequest, postedInChannel: boolean): Reply {
  const w = WORDS[request.action];
  return noticeReply(
    `Approval requested: ${w.notDone} yet`,
    [
      `Your request ${w.toDo} ${HASH_NAMES[request.hash.type]} ${request.hash.value} waits for a second person with the role${postedInChannel ? ', in the SOC channel' : ''}. Request id: ${shown(request.id)}.`,
      `It expires ${localTime(request.expiresAt)}. You will be told here when it is decided.`,
    ],
    { tone: 'warning', actions: [{ title: 'Cancel my request', verb: CardVerb.CancelRequest, data: { approvalId: request.id } }] },
  );
}

/** Told when an Undo is pressed again while its approval request is still open. */
export function undoRequestedReply(requestId: string): Reply {
  return noticeReply(
    'This Undo already waits for approval',
    [`Its approval request (${shown(requestId)}) is still open: approve, reject or cancel it there. Nothing more was requested.`],
    {
      tone: 'default',
    },
  );
}

/** The sign-in prompt before a request: asking needs the requester's own identity. */
export const REQUEST_SIGN_IN_TEXT = 'Sign in so that your approval request names you as Entra knows you. Then send the request again: nothing was requested yet.';

/** Told with the sign-in prompt: nothing was requested until the requester signs in. */
export function requestSignInReply(): Reply {
  return noticeReply(
    'Sign in first: no approval was requested yet',
    ['Requests carry who asked, so the bot needs your sign-in (see the sign-in card). Then ask again. Nothing was blocked.'],
    {
      tone: 'default',
    },
  );
}

/** Why no approval was requested: nothing waits for approval and nothing was blocked. */
export type NotRequested =
  | { readonly kind: 'noApprovalChannel' }
  | { readonly kind: 'channelUnreachable'; readonly approvalChannel: boolean; readonly detail: string }
  | { readonly kind: 'tooMany'; readonly open: number; readonly max: number };

/** Told to the requester when no request was made, and why. */
export function notRequestedReply(why: NotRequested): Reply {
  switch (why.kind) {
    case 'noApprovalChannel':
      return noticeReply('No approval was requested', [
        'Approval cards go where approvers see them: the SOC channel set in APPROVAL_CHANNEL, or else the channel or group chat the request comes from. This bot has no approval channel, and a 1:1 chat has no approvers.',
        'Ask again in your SOC channel or in a group chat with the approvers (mention the bot there), or ask an administrator to set APPROVAL_CHANNEL. Nothing was blocked.',
      ]);
    case 'channelUnreachable':
      return noticeReply('No approval was requested', [
        `The bot could not post the approval card ${why.approvalChannel ? 'in the SOC channel' : 'here'}: ${shown(why.detail)}.`,
        why.approvalChannel
          ? 'Nothing waits for approval and nothing was blocked. Ask an administrator to add the bot to the team of the approval channel (APPROVAL_CHANNEL), then ask again.'
          : 'Nothing waits for approval and nothing was blocked. Ask again later.',
      ]);
    case 'tooMany':
      return noticeReply('Too many requests waiting', [
        `You have ${why.open} requests waiting for approval (at most ${why.max} at once). Cancel one (the notice you got when you asked has the button), or wait until one is decided or expires, then ask again.`,
        'Nothing was requested and nothing was blocked.',
      ]);
  }
}

/** A press that decided nothing: who decided first, self-approval, expiry, a role missing... */
export function decisionRefusedText(outcome: Exclude<DecisionOutcome, { kind: 'decided' }>, presser: Caller): string {
  switch (outcome.kind) {
    case 'unknown':
      return 'This approval request is unknown to the bot. Nothing was done.';
    case 'alreadyDecided': {
      const r = outcome.request;
      const last = lastDecision(r);
      return last?.by
        ? `${shownInRun(last.by.name, { max: NAME_MAX })} already decided this request (${r.status}) at ${formatUtc(last.at)}. Nothing more was done.`
        : `This request is already ${r.status}. Nothing more was done.`;
    }
    case 'expired': {
      const w = WORDS[outcome.request.action];
      return !approverOf(outcome.request)
        ? `This request has expired. Nothing was ${w.done}.`
        : `This request expired at ${formatUtc(outcome.request.expiresAt)}: its failed ${w.noun} can no longer be retried. Nothing was ${w.done}; ask for a new approval if it is still needed.`;
    }
    case 'selfApproval':
      return `You asked for this ${WORDS[outcome.request.action].noun}, so someone else must approve it (four eyes). Nothing was done.`;
    case 'notRequester':
      return 'Only the person who asked can cancel this request.';
    default:
      return refusalReply(outcome, WORDS[outcome.request.action].refused, presser, outcome.request.hash).summary;
  }
}

/** A stored failure as a sentence of its own (records from before it was worded may lack the full stop). */
function asSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
