import type { BlockOptions } from '../domain/block-options';
import type { Caller } from '../domain/caller';
import { HASH_NAMES, type FileHash } from '../domain/file-hash';
import type { FileStatus } from '../domain/file-status';
import type { LiftableBlock } from '../domain/ports';
import type { UndoOutcome, UndoRecord } from '../domain/undo';
import type { UnblockOutcome } from '../domain/unblock-file';
import type { AfterwardsProblem, Concern } from '../domain/block-file';
import { CardVerb } from './card-verbs';
import { ALLOWED_MEANS } from './confirm-views';
import {
  apiName,
  count,
  defenderWord,
  ENFORCEMENT,
  factsAndFields,
  formatUtc,
  hashTypeName,
  localTime,
  optionalFact,
  SIMULATED,
  toneStyle,
  type Fact,
  type Tone,
} from './card-text';
import { noticeReply } from './notice';
import { refusalReply } from './refusal-views';
import { renderCard, type Reply } from './render';
import { NAME_MAX, shown, shownInRun, shownName } from './safe-text';

/** What a block result card may add to Defender's answer. */
export interface BlockResultExtras {
  /** The options that were sent (shown as facts). */
  readonly options?: BlockOptions;
  readonly optionsIgnored?: boolean;
  readonly notes?: readonly string[];
  /** Offers the Undo button until `undo.until`. */
  readonly undo?: UndoRecord;
  /** What could not be done after Defender accepted: the headline becomes "Blocked, but …". */
  readonly afterwards?: readonly AfterwardsProblem[];
  /** The warnings the analyst confirmed before the block went out ("Block anyway"). */
  readonly acknowledged?: readonly Concern['kind'][];
  /** Offers "Stop & quarantine where seen" when Defender knows devices with the file (`orgPrevalence`: Defender's count, not the device list). */
  readonly contain?: { readonly offerId: string; readonly orgPrevalence: number };
}

/** The block result's containment button: Defender's prevalence is an estimate, so the title promises no count. */
const CONTAIN_OFFER_TITLE = 'Stop & quarantine where seen';

const AFTERWARDS: Readonly<Record<AfterwardsProblem['kind'], { short: string; line: string }>> = {
  auditNotWritten: {
    short: 'not recorded in the audit trail',
    line: 'The audit entry for this block could not be written, so "history" will not show it as done. The block itself is in force.',
  },
  undoNotOffered: {
    short: 'Undo is not available',
    line: 'The Undo record could not be saved, so this card has no Undo button. Send "unblock ‹hash› ‹comment›" to lift the block.',
  },
};

const LIFT_NOT_AUDITED = 'The audit entry for this unblock could not be written, so "history" will not show it. The block is lifted all the same.';

/** "Blocked, but …" (or the effect's headline, but …) naming what failed after Defender accepted. */
function headlineWithProblems(headline: string, effect: Effect, problems: readonly AfterwardsProblem[]): string {
  if (problems.length === 0) return headline;
  const lead = effect === 'blocked' ? 'Blocked' : effect === 'sent' ? 'Block sent, not confirmed' : effect === 'lifted' ? 'Unblocked' : headline;
  return `${lead}, but ${problems.map((p) => AFTERWARDS[p.kind].short).join(' and ')}`;
}

/** The small card sent when the full result card could not be rendered: the block stands, and says so. */
export function blockedFallbackReply(hash: FileHash, problems: readonly AfterwardsProblem[] = []): Reply {
  const headline = `Blocked, but ${['the result card could not be shown', ...problems.map((p) => AFTERWARDS[p.kind].short)].join(' and ')}`;
  return noticeReply(
    headline,
    [`Defender accepted the block of ${HASH_NAMES[hash.type]} ${hash.value}.`, ...problems.map((p) => AFTERWARDS[p.kind].line), `Send "status ${hash.value}" for the details.`],
    { tone: 'default' },
  );
}

/** What the action actually taken does to the file: the card's headline follows from it, never from what was asked. */
type Effect = 'blocked' | 'sent' | 'audited' | 'warns' | 'alerts' | 'allowed' | 'lifted' | 'other';

function effectOf(status: FileStatus): Effect {
  if (status.fileStatus.toLowerCase() === 'unblocked') return 'lifted';
  switch (status.actionType.toLowerCase()) {
    case 'audit':
      return 'audited';
    case 'warn':
      return 'warns';
    case 'alert':
      return 'alerts';
    case 'allowed':
    case 'allow':
      return 'allowed';
  }
  if (status.fileStatus.toLowerCase() === 'blocked') return status.confirmed ? 'blocked' : 'sent';
  return 'other';
}

const HEADLINES: Readonly<Record<Exclude<Effect, 'other'>, { text: string; tone: Tone }>> = {
  blocked: { text: 'File blocked', tone: 'good' },
  sent: { text: 'Block sent, not confirmed by Defender', tone: 'warning' },
  audited: { text: 'Not blocked: only audited', tone: 'warning' },
  warns: { text: 'Not blocked: users are only warned', tone: 'warning' },
  alerts: { text: 'Not blocked: only alerts', tone: 'warning' },
  allowed: { text: 'File allowed', tone: 'warning' },
  lifted: { text: 'Block lifted', tone: 'good' },
};

/** Said instead of "File blocked" when the analyst confirmed a block of a Microsoft-signed file. */
const SIGNED_HEADLINE = 'Block sent, but Defender does not block Microsoft-signed files';

const NOT_BLOCKING = 'Defender does not stop this file from running';

function enforcementOf(status: FileStatus, effect: Effect): string {
  if (status.source === 'simulator') return SIMULATED;
  switch (effect) {
    case 'blocked':
    case 'sent':
      return ENFORCEMENT;
    case 'lifted':
      return 'Defender lifts the block on devices as they check in.';
    case 'audited':
      return `${NOT_BLOCKING}: it records and alerts when the file runs.`;
    case 'warns':
      return `${NOT_BLOCKING}: users see a warning they can bypass.`;
    case 'alerts':
      return `${NOT_BLOCKING}: it raises an alert when the file runs.`;
    case 'allowed':
      return ALLOWED_MEANS;
    case 'other':
      return ENFORCEMENT;
  }
}

/** The file-status card: every field of the legacy files API's FileAction that Defender returned, plus what the bot knows. */
export function fileStatusReply(status: FileStatus, extras: BlockResultExtras = {}): Reply {
  const hashType = hashTypeName(status.fileIdentifierType);
  const effect = effectOf(status);
  const inForce = effect !== 'lifted';
  const blocked = effect === 'blocked' || effect === 'sent';
  const problems = extras.afterwards ?? [];
  const signed = blocked && (extras.acknowledged ?? []).includes('microsoftSigned');
  const base = effect === 'other' ? { text: `File status: ${shown(defenderWord(status.fileStatus))}`, tone: 'default' as const } : HEADLINES[effect];
  const headline = signed ? SIGNED_HEADLINE : headlineWithProblems(base.text, effect, problems);
  const tone: Tone = signed || problems.length > 0 ? 'warning' : base.tone;
  const options = extras.options;
  const facts: Fact[] = [
    { label: 'Status', value: status.confirmed ? shown(defenderWord(status.fileStatus)) : 'Not confirmed' },
    { label: 'Action', value: shown(defenderWord(status.actionType)) },
    { label: 'Hash type', value: shown(hashType) },
    ...optionalFact('Requested by', status.requestor, undefined, NAME_MAX),
    ...optionalFact('Created', status.creationDateTimeUtc, formatUtc),
    ...optionalFact('Cancelled by', status.cancellationRequestor, undefined, NAME_MAX),
    ...optionalFact('Cancelled', status.cancellationDateTimeUtc, formatUtc),
    ...optionalFact('Last update', status.lastUpdateDateTimeUtc, formatUtc),
    ...optionalFact('Expires', status.expirationTime ?? (inForce && !extras.optionsIgnored ? options?.expiresAt : undefined), formatUtc),
    ...(extras.optionsIgnored ? [] : optionalFact('Severity', options?.severity)),
    ...(extras.optionsIgnored ? [] : optionalFact('Device groups', options?.deviceGroups?.join(', '))),
    ...optionalFact('Indicator id', status.indicatorId),
    { label: 'Via', value: apiName(status.source) },
  ];
  const notes = [
    ...(status.confirmed ? [] : ['Defender accepted the request but returned no details; the fields above come from your request.']),
    ...(extras.optionsIgnored ? ['The files API has no options (action, expiry, severity, device groups); they were not applied.'] : []),
    ...(extras.notes ?? []),
    ...(extras.contain
      ? [
          `Defender has seen this file on about ${count(extras.contain.orgPrevalence)} ${extras.contain.orgPrevalence === 1 ? 'device' : 'devices'} in your org. Stop & quarantine lists the devices it is on now before anything is done.`,
        ]
      : []),
    ...(extras.undo ? [`Undo is available until ${localTime(extras.undo.until)}.`] : []),
    ...problems.map((p) => (effect === 'lifted' && p.kind === 'auditNotWritten' ? LIFT_NOT_AUDITED : AFTERWARDS[p.kind].line)),
  ];
  const card = renderCard('file-status', {
    headline,
    tone: toneStyle(tone),
    hashLabel: `${shown(hashType)} of the file`,
    hash: shown(status.fileIdentifier),
    ...factsAndFields(facts),
    hasComment: !!status.requestorComment,
    comment: shownInRun(status.requestorComment ?? ''),
    hasCancellationComment: !!status.cancellationComment,
    cancellationComment: shownInRun(status.cancellationComment ?? ''),
    notes,
    enforcement: enforcementOf(status, effect),
    hasUndo: !!extras.undo,
    undoId: extras.undo?.id ?? '',
    containOfferId: extras.contain?.offerId ?? '',
    containTitle: extras.contain ? CONTAIN_OFFER_TITLE : '',
    verbs: CardVerb,
  });
  return { card, summary: `${headline}: ${hashType} ${status.fileIdentifier}` };
}

/** The reply to an unblock command (a confirmation it needs has its own card). */
export function unblockOutcomeReply(outcome: Exclude<UnblockOutcome, { kind: 'needsConfirmation' }>, hash: FileHash, caller: Caller): Reply {
  switch (outcome.kind) {
    case 'unblocked': {
      const more = outcome.lifted.length > 1 ? [`${outcome.lifted.length} indicators were deleted: ${outcome.lifted.map(liftedLine).join('; ')}.`] : [];
      return fileStatusReply(outcome.status, { notes: more, afterwards: outcome.afterwards });
    }
    case 'notBlocked':
      return noticeReply('Nothing to lift', [`Defender has no block in force for ${HASH_NAMES[hash.type]} ${hash.value}, so nothing was changed.`], {
        tone: 'default',
      });
    default:
      return refusalReply(outcome, 'unblock', caller, hash);
  }
}

/**
 * The reply to an Undo button press (replaces the result card). While the offer stands (the press was
 * refused before taking it, or undoBlock put it back after a failed lift), the card carries the Undo
 * button `undoId` again: not after a missing role, nor when the lift's outcome is unknown (Status
 * comes first then).
 */
export function undoOutcomeReply(outcome: UndoOutcome, caller: Caller, undoId?: string): Reply {
  switch (outcome.kind) {
    case 'unknown':
      return noticeReply('This Undo button no longer works', ['The block it belonged to is unknown to the bot. Send "unblock ‹hash› ‹comment›" if the file must be unblocked.']);
    case 'expired':
      return noticeReply('The undo window has closed', [
        `Undo was available until ${localTime(outcome.record.until)}. The block is still in force; send "unblock ${outcome.record.hash.value} ‹comment›" to lift it.`,
      ]);
    case 'alreadyUndone':
      return noticeReply('Already undone', [`Someone already pressed Undo for ${HASH_NAMES[outcome.record.hash.type]} ${outcome.record.hash.value}.`], { tone: 'default' });
    case 'alreadyLifted': {
      const { record } = outcome;
      return noticeReply(
        'Already lifted, nothing changed',
        [
          `The block ${shownName(record.blockedBy)} set at ${localTime(record.blockedAt)} is no longer in force (it was lifted or replaced), so Undo changed nothing in Defender.`,
          `Any other block of ${HASH_NAMES[record.hash.type]} ${record.hash.value} stays; send "unblock ${record.hash.value} ‹comment›" to lift it.`,
        ],
        { tone: 'default' },
      );
    }
    case 'unblocked':
      return fileStatusReply(outcome.status, { afterwards: outcome.afterwards });
    default: {
      const taken = 'record' in outcome ? outcome : undefined;
      const hash = taken?.record.hash;
      const stands = taken ? taken.offerKept : true;
      const pressAgain = undoId !== undefined && stands && outcome.kind !== 'denied' && !(outcome.kind === 'failed' && outcome.error.reason === 'outcomeUnknown');
      return refusalReply(outcome, 'undo', caller, hash, pressAgain ? { undoId } : {});
    }
  }
}

function liftedLine(block: LiftableBlock): string {
  const who = block.createdBy ? ` by ${shownName(block.createdBy)}` : '';
  return `${block.id ? `${shown(block.id)} ` : ''}(${shown(defenderWord(block.action))}${who})`;
}
