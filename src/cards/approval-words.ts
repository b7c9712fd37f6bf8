import type { RefusedAction } from '../domain/action-names';
import type { ApprovalAction } from '../domain/approval-actions';
import type { ApprovalDecision, ApprovalRequest } from '../domain/approval-record';
import type { Tone } from './card-text';

/** How each action is worded on its card, its notices and its refusals; every headline and button follows from it. */
export interface ActionWords {
  /** "Block requested". */
  readonly requested: string;
  /** "block": what the approved run is called. */
  readonly noun: string;
  /** "to block": what the requester asks. */
  readonly toDo: string;
  /** "blocked", "blocking…", "NOT blocked". */
  readonly done: string;
  readonly doing: string;
  readonly notDone: string;
  /** The approve button. */
  readonly approve: string;
  /** The refusal wording a refused approver sees. */
  readonly refused: RefusedAction;
}

/** The words of each action. */
export const WORDS: Record<ApprovalAction, ActionWords> = {
  block: {
    requested: 'Block requested',
    noun: 'block',
    toDo: 'to block',
    done: 'blocked',
    doing: 'blocking…',
    notDone: 'NOT blocked',
    approve: 'Approve and block',
    refused: 'block',
  },
  unblock: {
    requested: 'Unblock requested',
    noun: 'unblock',
    toDo: 'to unblock',
    done: 'unblocked',
    doing: 'unblocking…',
    notDone: 'NOT unblocked',
    approve: 'Approve and unblock',
    refused: 'unblock',
  },
  undo: {
    requested: 'Undo of a block requested',
    noun: 'undo',
    toDo: 'to undo the block of',
    done: 'undone',
    doing: 'undoing…',
    notDone: 'NOT undone',
    approve: 'Approve and undo',
    refused: 'undo',
  },
  allow: {
    requested: 'Allow requested',
    noun: 'allow',
    toDo: 'to allow',
    done: 'allowed',
    doing: 'allowing…',
    notDone: 'NOT allowed',
    approve: 'Approve and allow',
    refused: 'block',
  },
  contain: {
    requested: 'Stop & quarantine requested',
    noun: 'stop & quarantine',
    toDo: 'to stop & quarantine',
    done: 'stop & quarantine started',
    doing: 'starting stop & quarantine…',
    notDone: 'NOT stopped or quarantined',
    approve: 'Approve and contain',
    refused: 'contain',
  },
  'block+contain': {
    requested: 'Block and stop & quarantine requested',
    noun: 'block',
    toDo: 'to block and stop & quarantine',
    done: 'blocked, stop & quarantine started',
    doing: 'blocking…',
    notDone: 'NOT blocked',
    approve: 'Approve, block and contain',
    refused: 'block',
  },
};

/** The card's headline and its tone, from the action and where the request stands. */
export function headlineOf(request: ApprovalRequest): { text: string; tone: Tone } {
  const w = WORDS[request.action];
  switch (request.status) {
    case 'pending':
      return { text: `${w.requested}: waiting for approval`, tone: 'warning' };
    case 'approving':
      return { text: `Approved: ${w.doing}`, tone: 'default' };
    case 'approved':
      return { text: `Approved and ${w.done}`, tone: 'good' };
    case 'rejected':
      return { text: `Rejected: ${w.notDone}`, tone: 'attention' };
    case 'cancelled':
      return { text: `Cancelled by the requester: ${w.notDone}`, tone: 'default' };
    case 'expired':
      if (request.failure?.unknown) return { text: `Expired; the approved ${w.noun}'s outcome is unknown: check its status`, tone: 'attention' };
      return { text: `Expired: ${w.notDone}`, tone: 'default' };
    case 'failed':
      if (request.failure?.unknown) return { text: `Approved, but the ${w.noun}'s outcome is unknown: check its status`, tone: 'attention' };
      return { text: `Approved, but the ${w.noun} FAILED: ${w.notDone}`, tone: 'attention' };
  }
}

const DECISION_WORDS: Record<ApprovalDecision['action'], string> = { approve: 'approved', reject: 'rejected', retry: 'retried', cancel: 'cancelled', expire: 'expired' };

function outcomeWords(outcome: ApprovalDecision['outcome'], w: ActionWords): string {
  switch (outcome) {
    case 'blocking':
      return w.doing;
    case 'blocked':
      return w.done;
    case 'failed':
      return `${w.noun} FAILED`;
    case 'rejected':
    case 'cancelled':
    case 'expired':
      return w.notDone;
  }
}

/** "Gale Global approved: block FAILED"; "Expired: NOT blocked" when nobody decided. */
export function decisionText(decision: ApprovalDecision, action: ApprovalAction): string {
  const did = DECISION_WORDS[decision.action];
  const outcome = outcomeWords(decision.outcome, WORDS[action]);
  return decision.by ? `${decision.by.name} ${did}: ${outcome}` : `${did[0].toUpperCase()}${did.slice(1)}: ${outcome}`;
}
