import type { Concern } from '../domain/block-file';
import type { BlockOptions } from '../domain/block-options';
import { HASH_NAMES, type FileHash } from '../domain/file-hash';
import type { LiftableBlock } from '../domain/ports';
import { CardVerb } from './card-verbs';
import { count, defenderWord, localTime, toneStyle } from './card-text';
import { noticeReply } from './notice';
import { renderCard, type Reply } from './render';
import { shown, shownInRun, shownName } from './safe-text';

/** What an Allowed indicator does, said wherever the bot offers one. */
export const ALLOWED_MEANS = 'An Allowed indicator stops Defender from blocking or alerting on this file on every device it covers, until it expires or is lifted.';

/**
 * Asks before a block goes out: the existing indicator it would replace, a Microsoft signature,
 * wide prevalence; for an allow (options.action Allowed), always, saying what allowing means.
 */
export function confirmBlockReply(
  hash: FileHash,
  concerns: readonly Concern[],
  confirmId: string,
  extras: { readonly notes?: readonly string[]; readonly options?: BlockOptions; readonly expiresAt: string },
): Reply {
  const allowing = extras.options?.action === 'Allowed';
  const replaces = concerns.some((c) => c.kind === 'existingBlock');
  const described = concerns.map((c) => describe(c, allowing));
  const card = renderCard('confirm-block', {
    heading: allowing ? 'Check before allowing' : 'Check before blocking',
    tone: toneStyle('warning'),
    lead: 'Nothing has been sent to Defender yet.',
    hashLabel: `${HASH_NAMES[hash.type]} of the file`,
    hash: hash.value,
    concerns: described,
    notes: extras.notes ?? [],
    confirmTitle: allowing ? 'Allow this file' : replaces ? 'Replace the existing block' : 'Block anyway',
    confirmVerb: CardVerb.Confirm,
    cancelVerb: CardVerb.Cancel,
    confirmId,
    expiresText: `These buttons work until ${localTime(extras.expiresAt)}.`,
  });
  const verb = allowing ? 'allowing' : 'blocking';
  return { card, summary: `Check before ${verb} ${HASH_NAMES[hash.type]} ${hash.value}: ${described.map((c) => c.title).join('; ')}` };
}

/** Asks before an unblock lifts indicators the bot did not create: each one, who created it, when, and its action. */
export function confirmUnblockReply(hash: FileHash, listed: readonly LiftableBlock[], confirmId: string, expiresAt: string): Reply {
  const foreign = listed.filter((block) => block.foreign).length;
  const card = renderCard('confirm-block', {
    heading: 'Check before unblocking',
    tone: toneStyle('warning'),
    lead: `Nothing has been changed in Defender yet. Unblocking deletes ${listed.length === 1 ? 'this indicator' : `these ${listed.length} indicators`}; ${foreign === 1 ? 'one was' : `${foreign} were`} not created by this bot.`,
    hashLabel: `${HASH_NAMES[hash.type]} of the file`,
    hash: hash.value,
    concerns: listed.map(describeLiftable),
    notes: [],
    confirmTitle: listed.length === 1 ? 'Delete it' : `Delete all ${listed.length}`,
    confirmVerb: CardVerb.UnblockConfirm,
    cancelVerb: CardVerb.UnblockCancel,
    confirmId,
    expiresText: `These buttons work until ${localTime(expiresAt)}.`,
  });
  return { card, summary: `Check before unblocking ${HASH_NAMES[hash.type]} ${hash.value}: ${foreign} of ${listed.length} indicators not created by this bot` };
}

/** The confirmation was cancelled (naming the file when known), expired, or pressed by someone else. */
export function confirmationClosedReply(reason: 'cancelled' | 'unknown' | 'notYours', hash?: FileHash): Reply {
  switch (reason) {
    case 'cancelled':
      return noticeReply('Cancelled', [hash ? `Nothing was sent to Defender for ${HASH_NAMES[hash.type]} ${hash.value}.` : 'Nothing was sent to Defender.'], {
        tone: 'default',
      });
    case 'unknown':
      return noticeReply('This request is no longer open', ['It expired or was already answered. Nothing was sent to Defender; send the command again if needed.']);
    case 'notYours':
      return noticeReply('Only the person who asked can answer this', ['Nothing was sent to Defender.']);
  }
}

function describeLiftable(block: LiftableBlock): { title: string; detail: string; quote: string } {
  const who = block.createdBy ? ` by ${shownName(block.createdBy)}` : '';
  const when = block.createdAt ? ` on ${localTime(block.createdAt)}` : '';
  const id = block.id ? ` · indicator ${shown(block.id)}` : '';
  const title = block.title ? ` · "${shown(block.title)}"` : '';
  return {
    title: `${shown(defenderWord(block.action))}${who}${block.foreign ? ' (not created by this bot)' : ''}`,
    detail: `Created${when}${id}${title}`,
    quote: shownInRun(block.comment ?? ''),
  };
}

function describe(concern: Concern, allowing: boolean): { title: string; detail: string; quote: string } {
  switch (concern.kind) {
    case 'allowed':
      return { title: 'Allowing is not blocking', detail: ALLOWED_MEANS, quote: '' };
    case 'existingBlock': {
      const s = concern.status;
      const who = s.requestor ? ` by ${shownName(s.requestor)}` : '';
      const when = s.creationDateTimeUtc ? ` on ${localTime(s.creationDateTimeUtc)}` : '';
      const expiry = s.expirationTime ? `, expires ${localTime(s.expirationTime)}` : '';
      return {
        title: 'Already blocked',
        detail: `Blocked${who}${when} (${shown(defenderWord(s.actionType))}${expiry}). ${allowing ? 'Allowing' : 'Blocking again'} replaces that indicator and its comment.`,
        quote: shownInRun(s.requestorComment ?? ''),
      };
    }
    case 'microsoftSigned':
      return {
        title: 'Signed by Microsoft',
        detail: `Signer: ${shownName(concern.signer)}. Defender does not block Microsoft-signed files, and blocking a system file can break devices.`,
        quote: '',
      };
    case 'widespread':
      return {
        title: 'Widespread in your organization',
        detail: `Seen on ${count(concern.orgPrevalence)} devices (warning from ${count(concern.threshold)}). Blocking it may stop software people rely on.`,
        quote: '',
      };
    case 'existingUnchecked':
      return {
        title: 'Could not check whether the file is already blocked',
        detail: `Defender's lookup failed (${shown(concern.reason)}). ${allowing ? 'Allowing' : 'Blocking'} would replace an indicator already in force, if there is one. ${allowing ? 'Allow' : 'Block'} anyway?`,
        quote: '',
      };
    case 'detailsUnchecked':
      return {
        title: 'Could not check who signed the file or how widespread it is',
        detail: `Defender's lookup failed (${shown(concern.reason)}). The file may be Microsoft-signed or on many devices. Block anyway?`,
        quote: '',
      };
  }
}
