import { blockFile, type ActionDeps, type Concern } from './block-file';
import type { BlockOptions } from './block-options';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import type { FileStatus } from './file-status';
import type { DeviceSighting } from './containment-ports';
import { DEVICE_ACTION_LIMIT, discoverDevices, type ContainDeps } from './containment';
import { isNotSent, refusalCorrelation, refusalDetail, refusalInWords, sentOutcome, type Refusal } from './outcomes';
import type { BlockMade, Delegation, LiftableBlock, Store } from './ports';
import { openRequests } from './approval-index';
import { StoreKey } from './store-keys';
import { liftOwnBlock, unblockFile } from './unblock-file';
import type { UndoRecord } from './undo';

/** What a four-eyes request asks for; requests stored before there was a choice are blocks. */
export type ApprovalAction = 'block' | 'unblock' | 'undo' | 'allow' | 'contain' | 'block+contain';

/** The block an Undo request lifts, copied from its Undo record when the request is made (the card never carries it). */
export interface UndoTarget {
  readonly undoId: string;
  readonly made: BlockMade;
  readonly blockedBy: string;
  readonly blockedAt: string;
}

/** What the requester asks for, with what that action needs. */
export type ApprovalAsk =
  | { readonly action: 'block'; readonly options?: BlockOptions }
  | { readonly action: 'block+contain'; readonly options?: BlockOptions }
  | { readonly action: 'contain' }
  | { readonly action: 'allow'; readonly options: BlockOptions }
  | { readonly action: 'unblock' }
  | { readonly action: 'undo'; readonly undo: UndoTarget };

/** The part of a stored request that says what an approval runs. */
export interface ApprovalSubject {
  readonly action: ApprovalAction;
  readonly hash: FileHash;
  readonly comment: string;
  readonly options?: BlockOptions;
  /** For an undo: the block it lifts. */
  readonly undo?: UndoTarget;
  /** For an unblock: what Defender listed for the hash when the request was made (the approver sees it and acknowledges it). */
  readonly listed?: readonly LiftableBlock[];
}

/** The devices an approved stop & quarantine found, for the bot to start its tracked job as the approver. */
export interface ApprovedContainment {
  readonly sha1: string;
  readonly devices: readonly DeviceSighting[];
}

/** How running an approved action ended: done (with Defender's answer, or a note that nothing had to change) or failed. */
export type ApprovedRun =
  | { readonly done: true; readonly result?: FileStatus; readonly note?: string; readonly containment?: ApprovedContainment }
  | { readonly done: false; readonly failure: ApprovedFailure };

/** Why an approved action failed; `unknown`: it was sent but Defender's answer was lost, so it may have been carried out. */
export interface ApprovedFailure {
  /** In words, for the cards. */
  readonly detail: string;
  /** In the audit trail's terms (with its reason code), when it differs from `detail`. */
  readonly audited?: string;
  readonly correlationId?: string;
  readonly unknown?: boolean;
  /** Nothing was sent: the audit trail would not take the action's intent. */
  readonly notSent?: boolean;
}

/** Who an approved action runs as, in an approval's failure. */
const APPROVER = 'the approver';

function failureOf(refusal: Refusal): ApprovedFailure {
  const unknown = sentOutcome(refusal) === 'unknown';
  return {
    detail: refusalInWords(refusal, APPROVER),
    audited: refusalDetail(refusal),
    correlationId: refusalCorrelation(refusal),
    ...(unknown ? { unknown } : {}),
    ...(isNotSent(refusal) ? { notSent: true } : {}),
  };
}

/** Requests that may still run their action. */
const OPEN: readonly string[] = ['pending', 'approving', 'failed'];

const BLOCK_ACKNOWLEDGED: readonly Concern['kind'][] = ['existingBlock', 'microsoftSigned', 'widespread'];

/**
 * Runs what was approved, as the approver and with the approver's delegation. The approver saw the
 * card, so what it showed counts as confirmed: a block's or an allow's concerns, and the indicators
 * an unblock listed (an indicator that appeared since is not lifted: the unblock fails instead).
 */
export async function runApproved(
  deps: ActionDeps & { readonly contain?: ContainDeps },
  subject: ApprovalSubject & { readonly requester?: { readonly name: string } },
  approver: Caller,
  delegation: Delegation,
): Promise<ApprovedRun> {
  const { hash, comment } = subject;
  const requestedBy = subject.requester && { name: subject.requester.name };
  switch (subject.action) {
    case 'contain':
      return containApproved(deps.contain, subject, approver, delegation);
    case 'block':
    case 'block+contain':
    case 'allow': {
      const acknowledged: Concern['kind'][] = subject.action === 'allow' ? ['allowed', ...BLOCK_ACKNOWLEDGED] : [...BLOCK_ACKNOWLEDGED];
      const outcome = await blockFile(deps, { hash, comment, caller: approver, requestedBy, options: subject.options }, delegation, acknowledged);
      if (outcome.kind === 'blocked' && subject.action === 'block+contain') {
        const contained = await containApproved(deps.contain, subject, approver, delegation);
        return contained.done
          ? { ...contained, result: outcome.status }
          : { done: true, result: outcome.status, note: `Blocked, but stop & quarantine did not start: ${contained.failure.detail}` };
      }
      if (outcome.kind === 'blocked') return { done: true, result: outcome.status };
      if (outcome.kind === 'needsConfirmation') {
        const unchecked = outcome.concerns.some((c) => c.kind === 'existingUnchecked' || c.kind === 'detailsUnchecked');
        const detail = unchecked
          ? 'Defender could not be asked whether the file is already blocked, Microsoft-signed or widespread, so nothing was sent. Retry once Defender answers again.'
          : 'Defender asked for a confirmation that an approval already gives.';
        return { done: false, failure: { detail } };
      }
      return { done: false, failure: failureOf(outcome) };
    }
    case 'unblock': {
      const seen = (subject.listed ?? []).flatMap((block) => (block.id === undefined ? [] : [block.id]));
      const outcome = await unblockFile(deps, { hash, comment, caller: approver }, delegation, seen);
      switch (outcome.kind) {
        case 'unblocked':
          return { done: true, result: outcome.status };
        case 'notBlocked':
          return { done: true, note: 'No block was in force any more: nothing was lifted.' };
        case 'needsConfirmation':
          return {
            done: false,
            failure: { detail: 'Defender now lists indicators not created by this bot that this card did not show, so nothing was lifted. Ask for a new approval.' },
          };
        default:
          return { done: false, failure: failureOf(outcome) };
      }
    }
    case 'undo': {
      if (!subject.undo) return { done: false, failure: { detail: 'The request does not say which block to lift.' } };
      const outcome = await liftOwnBlock(deps, { hash, comment: `${comment} Approved by ${approver.name}.`, caller: approver, made: subject.undo.made }, delegation);
      if (outcome.kind === 'unblocked') return { done: true, result: outcome.status };
      if (outcome.kind === 'alreadyLifted') return { done: true, note: 'The block this Undo was for is no longer in force (lifted or replaced): nothing changed in Defender.' };
      return { done: false, failure: failureOf(outcome) };
    }
  }
}

/** Finds the devices as the approver (the approval is the confirmation); the bot then starts the tracked job. */
async function containApproved(deps: ContainDeps | undefined, subject: ApprovalSubject, approver: Caller, delegation: Delegation): Promise<ApprovedRun> {
  if (!deps) return { done: false, failure: { detail: 'This bot cannot stop & quarantine files.' } };
  const found = await discoverDevices(deps, subject.hash, approver, delegation);
  if (found.kind === 'unknownFile') return { done: true, note: 'Defender does not know the file: there was no device to stop & quarantine it on.' };
  if (found.kind !== 'devices')
    return { done: false, failure: { detail: refusalInWords(found, APPROVER), audited: refusalDetail(found), correlationId: refusalCorrelation(found) } };
  const n = found.devices.length;
  if (n === 0) return { done: true, note: 'The file was seen on no device: nothing to stop & quarantine.' };
  if (n > DEVICE_ACTION_LIMIT) {
    return {
      done: true,
      note: `The file is on ${n} devices, more than Defender acts on one by one (${DEVICE_ACTION_LIMIT}); nothing was stopped. Use a BlockAndRemediate indicator.`,
    };
  }
  return { done: true, note: `Stop & quarantine started on ${n} devices; its progress card follows in this thread.`, containment: { sha1: found.sha1, devices: found.devices } };
}

/** Where an Undo button's record stands for asking to approve it: the block to lift, or why not (unknown, past its window, already asked for). */
export type UndoToApprove =
  | { readonly kind: 'ok'; readonly record: UndoRecord; readonly ask: ApprovalAsk & { readonly action: 'undo' } }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'expired'; readonly record: UndoRecord }
  | { readonly kind: 'alreadyRequested'; readonly requestId: string };

/**
 * Loads an Undo button's record (never what the card says) to ask for its approval: same tenant,
 * inside its window, and not while a request for the same Undo is still open.
 */
export async function undoToApprove(store: Store, undoId: string, presser: Caller, now: Date): Promise<UndoToApprove> {
  const stored = await store.get<UndoRecord>(StoreKey.undo(undoId));
  if (!stored || stored.value.tenantId !== presser.tenantId || !stored.value.made) return { kind: 'unknown' };
  const record = stored.value;
  if (now.getTime() > Date.parse(record.until)) return { kind: 'expired', record };
  const open = (await openRequests(store, (entry) => entry.undoId === undoId)).find(
    (request) => request.undo?.undoId === undoId && OPEN.includes(request.status) && Date.parse(request.expiresAt) > now.getTime(),
  );
  if (open) return { kind: 'alreadyRequested', requestId: open.id };
  return { kind: 'ok', record, ask: { action: 'undo', undo: { undoId, made: record.made, blockedBy: record.blockedBy, blockedAt: record.blockedAt } } };
}
