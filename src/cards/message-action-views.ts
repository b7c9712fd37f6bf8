import type { BulkLine } from '../domain/bulk-intake';
import { INDICATOR_ACTIONS, SEVERITIES } from '../domain/block-options';
import { HASH_NAMES, type FileHash } from '../domain/file-hash';
import { MAX_COMMENT_LENGTH } from '../commands/limits';
import { CardVerb } from './card-verbs';
import { count } from './card-text';
import { ACTION_TITLES, EXPIRY_DAYS } from './form-views';
import { noticeReply } from './notice';
import { renderCard, type CardAttachment, type Reply } from './render';
import { NAME_MAX, shown, shownInRun } from './safe-text';

/** Hashes and problems listed on the pasted-hashes review card; the rest is counted. */
const LISTED = 20;
/** Usable hashes listed on that card (each takes two lines on a phone); the rest are counted. */
const HASHES_LISTED = 12;

/** The title of the message action, as the manifest names it. */
export const MESSAGE_ACTION_TITLE = 'Block files in this message';

/** Where each hash's toggle is named in the dialog: the prefix and the hash (the bot checks the hash again on submit). */
export const TOGGLE_PREFIX = 'h_';

/** What the message-action dialog shows. */
export interface MessageActionDialog {
  readonly hashes: readonly FileHash[];
  /** The message had more hashes than the dialog lists. */
  readonly more: boolean;
  readonly author: string;
  readonly firstLine: string;
  readonly supportsOptions: boolean;
  readonly defaultExpiryDays: number;
  /** The bot can stop & quarantine the file on devices (not on the legacy files API): the dialog offers it, off. */
  readonly canContain?: boolean;
}

/** The dialog of "Block files in this message": every hash with a toggle (on), a prefilled comment, and the Indicators API's options. */
export function messageActionDialogCard(dialog: MessageActionDialog): CardAttachment {
  const days = [...new Set([...EXPIRY_DAYS, dialog.defaultExpiryDays].filter((d) => d > 0))].sort((a, b) => a - b);
  const n = dialog.hashes.length;
  return renderCard('message-action', {
    headline: `${count(n)} ${n === 1 ? 'file' : 'files'} found in ${shown(dialog.author, { max: NAME_MAX })}'s message`,
    intro: 'Check the comment, turn off any file that should not be blocked, then press the button at the end. The result is posted as a reply to the message.',
    moreNote: dialog.more ? `The message has more hashes than one dialog lists; these are the first ${count(n)}. Use a bulk block for the rest.` : '',
    hashes: dialog.hashes.map((hash) => ({ id: `${TOGGLE_PREFIX}${hash.value}`, title: shownInRun(`${HASH_NAMES[hash.type]} ${hash.value}`) })),
    comment: prefilledComment(dialog.author, dialog.firstLine),
    maxComment: MAX_COMMENT_LENGTH,
    withOptions: dialog.supportsOptions,
    actions: INDICATOR_ACTIONS.filter((a) => a !== 'Allowed').map((value) => ({ title: ACTION_TITLES[value], value })),
    expires: dialog.defaultExpiryDays > 0 ? `${dialog.defaultExpiryDays}d` : 'never',
    expiries: [...days.map((d) => ({ title: `In ${d} days`, value: `${d}d` })), { title: 'Never', value: 'never' }],
    severities: SEVERITIES.map((value) => ({ title: value, value })),
    withContain: !!dialog.canContain,
    containTitle: CONTAIN_TOGGLE_TITLE,
    footer: 'Nothing has been sent to Defender yet. Only people with the Security Administrator or Global Administrator role block directly; for others, an approval is requested.',
    formId: 'message-action',
  });
}

/** "From <author>'s message: <first line>", as plain text for an input (controls dropped, URLs defanged), within the comment limit. */
export function prefilledComment(author: string, firstLine: string): string {
  const opening = `From ${shownInRun(author, { max: NAME_MAX })}'s message: `;
  return opening + shownInRun(firstLine, { max: Math.min(200, MAX_COMMENT_LENGTH - opening.length) });
}

/** The dialog's containment switch: each file blocked is then also stopped and quarantined on the devices that have it. */
export const CONTAIN_TOGGLE_TITLE = 'Also stop & quarantine where it is seen';

/** A submit asking to stop & quarantine from a bot whose Defender API cannot (its dialog has no such switch). */
export const NO_CONTAINMENT_TEXT =
  "This bot's Defender API cannot stop and quarantine files on devices, so its dialog has no such switch. Nothing was blocked; use the action on the message again.";

/** After a submit with "also stop & quarantine": some chosen files were not blocked here, so nothing was started for them. */
export function notContainedReply(notBlocked: number, chosen: number): Reply {
  const which = chosen === 1 ? 'The file was not blocked here' : `${count(notBlocked)} of the ${count(chosen)} files ${notBlocked === 1 ? 'was' : 'were'} not blocked here`;
  return noticeReply('Not stopped or quarantined', [
    `${which}, so nothing was stopped or quarantined for ${notBlocked === 1 ? 'it' : 'them'}. The reply above says why.`,
    'Once a file is blocked, send "contain ‹hash› ‹comment›" to stop & quarantine it where it is seen.',
  ]);
}

/** A containment after a message action failed unexpectedly: whether anything reached the devices is not known. */
export function containUnknownReply(hash: FileHash): Reply {
  return noticeReply('Stop & quarantine: outcome unknown', [
    `The file ${shownInRun(`${HASH_NAMES[hash.type]} ${hash.value}`)} is blocked, but the bot could not tell whether stop & quarantine started on its devices.`,
    'Send "history ‹hash›" to see what was sent, or "contain ‹hash› ‹comment›" to try again.',
  ]);
}

/** The message the action was used on holds no hash. */
export const NO_HASH_TEXT = 'No SHA-1, SHA-256 or MD5 hash was found in this message. Nothing was blocked.';

/** The action command is not one this bot has. */
export const UNKNOWN_ACTION_TEXT = 'This bot does not know that action. Nothing was blocked.';

/** What the dialog's submit is answered with, before the work runs. */
export function submittedText(files: number): string {
  return `Working on ${count(files)} ${files === 1 ? 'file' : 'files'}: the result is posted as a reply to the message. Nothing is blocked until it says so.`;
}

/** A submit with every toggle off. */
export const NOTHING_PICKED_TEXT = 'No file was selected, so nothing was blocked.';

/** A submit that names hashes the message does not hold (a forged or stale dialog). */
export const NOT_IN_MESSAGE_TEXT = 'The selection does not match the message. Nothing was blocked; use the action on the message again.';

/** The bot cannot post where the outcome goes (it is not a member of the chat or team), so it does not act. */
export const UNREACHABLE_TEXT =
  'The bot is not a member of this chat or team, so it could not post the result here. Nothing was blocked; add the bot here, or send the hashes to the bot in a 1:1 chat.';

/** The session ended between the dialog and its submit. */
export const SIGN_IN_AGAIN_TEXT = 'Your sign-in is no longer valid. Nothing was blocked; use the action on the message again to sign in.';

/** The review card for hashes pasted without a command word: what was found, what cannot be used, and a "Block N files" button (with a comment input when some have none). */
export function pastedReviewReply(lines: readonly BulkLine[], reviewId: string, validCount: number, askComment: boolean): Reply {
  const usable = lines.filter((l) => l.hash && !l.problem);
  const bad = lines.filter((l) => l.problem);
  const headline = `${count(validCount)} ${validCount === 1 ? 'file hash' : 'file hashes'} found`;
  const card = renderCard('pasted-review', {
    headline,
    summary:
      validCount > 0
        ? askComment
          ? `Block ${validCount === 1 ? 'it' : 'them'} in Defender? Add the comment Defender keeps with each block${usable.some((l) => l.comment) ? ' (hashes with their own comment keep theirs)' : ''}.`
          : `Block ${validCount === 1 ? 'it' : 'them'} in Defender, each with the comment on its line?`
        : 'None of the lines can be used. Fix the list and send it again.',
    shownHashes: usable.slice(0, HASHES_LISTED).map((l) => ({ text: shown(l.hash ? `${HASH_NAMES[l.hash.type]} ${l.hash.value}` : '') })),
    moreHashes: usable.length > HASHES_LISTED ? `…and ${count(usable.length - HASHES_LISTED)} more.` : '',
    problemsHeadline: bad.length > 0 ? `${count(bad.length)} ${bad.length === 1 ? 'line' : 'lines'} can't be used` : '',
    problems: bad.slice(0, LISTED).map((l) => ({ where: `Line ${l.line}: ${shown(l.text, { max: 60 })}`, problem: shownInRun(l.problem ?? '') })),
    moreProblems: bad.length > LISTED ? `…and ${count(bad.length - LISTED)} more.` : '',
    askComment: askComment && validCount > 0,
    commentLabel: 'Comment (kept with every block in Defender)',
    maxComment: MAX_COMMENT_LENGTH,
    validCount,
    confirmTitle: `Block ${count(validCount)} ${validCount === 1 ? 'file' : 'files'}`,
    reviewId,
    verbs: CardVerb,
  });
  return { card, summary: `${headline}; nothing was blocked yet.` };
}
