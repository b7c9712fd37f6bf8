import { HASH_NAMES, type FileHash } from '../domain/file-hash';
import type { Reply } from './render';
import { noticeReply } from './notice';
import { shownName } from './safe-text';

/** Text of the sign-in card shown before a command can run as the analyst. */
export function signInPromptText(what?: string): string {
  return what
    ? `Sign in so the bot can do the ${what} as you. It runs as soon as you are signed in; nothing has been sent yet.`
    : 'Sign in so the bot can act on your behalf in Defender.';
}

/** "block of SHA-1 7327…" and the like, for prompts and logs. */
export function describeAction(action: string, hash?: FileHash): string {
  return hash ? `${action} of ${HASH_NAMES[hash.type]} ${hash.value}` : action;
}

/** Text of the sign-in card shown after Entra asked for a fresh sign-in or consent. */
export function signInAgainText(reason: 'interactionRequired' | 'consentRequired' | 'invalidGrant'): string {
  const why = {
    interactionRequired: 'Microsoft Entra ID needs you to sign in again (for example for multi-factor authentication)',
    consentRequired: "Microsoft Entra ID needs your consent (or an administrator's) for the bot to act on your behalf",
    invalidGrant: 'your sign-in has expired or was revoked',
  }[reason];
  return `Not done yet: ${why}. Sign in again; your request runs as soon as you are signed in.`;
}

/** The analyst is signed in (e.g. after "sign in" or a completed sign-in with nothing pending). */
export function signedInReply(upn?: string): Reply {
  return noticeReply('You are signed in', [upn ? `The bot acts as ${shownName(upn)} in Defender.` : 'The bot acts on your behalf in Defender.'], { tone: 'good' });
}

/** Answer to "sign out". */
export function signedOutReply(): Reply {
  return noticeReply('You are signed out', ['The bot will ask you to sign in before it acts for you again.'], { tone: 'default' });
}

/** What the bot found when the signed-in account is not the Teams caller's. */
export interface AccountMismatchView {
  /** The signed-in account as its token names it (UPN, else name); undefined when the token names none. */
  readonly signedInAs?: string;
  /** The Teams caller's display name. */
  readonly teamsAccount: string;
  /** The token's tenant is not the chat's. */
  readonly otherTenant: boolean;
  /** The token service confirmed the sign-out. */
  readonly signedOut: boolean;
  /** What was waiting for this sign-in and has been dropped (e.g. "block of SHA-1 7327…"). */
  readonly dropped?: string;
}

/** The signed-in account is not the Teams caller's: it was signed out and nothing was done. */
export function accountMismatchReply(view: AccountMismatchView): Reply {
  const account = view.signedInAs ? shownName(view.signedInAs) : 'an account the bot cannot identify';
  const where = view.otherTenant ? ' That account belongs to another organization than this chat.' : '';
  return noticeReply('Nothing was blocked: wrong account', [
    `You are signed in as ${account}, but this Teams account is ${shownName(view.teamsAccount)}.${where}`,
    view.signedOut ? 'The bot signed that account out: sign in as yourself.' : 'The bot could not sign that account out: send "sign out", then sign in as yourself.',
    view.dropped
      ? `Your waiting ${view.dropped} was dropped and nothing was sent to Defender. Send it again once you are signed in as yourself.`
      : 'Nothing was sent to Defender. Send the command again once you are signed in as yourself.',
  ]);
}

/** The chat's tenant is not allowed to use the bot. */
export function tenantRefusedReply(): Reply {
  return noticeReply('This bot is not available to your organization', ["Your tenant is not on the bot's list of allowed tenants, so nothing was done."]);
}

/** The bot's storage failed before anything was done (the re-delivery check could not be made). */
export function storageUnavailableReply(): Reply {
  return noticeReply('Nothing was done: storage unavailable', ['The bot could not reach its storage, so it did not act on this message. Try again in a minute.']);
}

/** The token service could not be reached. */
export function signInUnavailableReply(): Reply {
  return noticeReply('Nothing was blocked: sign-in service unavailable', ['The bot could not reach the sign-in service to act on your behalf. Try again in a minute.']);
}

/** A magic code or exchange did not produce a token. */
export function signInFailedReply(): Reply {
  return noticeReply('Sign-in did not complete', ['The bot did not receive a token for you. Send the command again to get a new sign-in card.']);
}

/** A command that waited for sign-in too long was dropped. */
export function pendingDroppedReply(what: string, waitedMs: number): Reply {
  const seconds = Math.round(waitedMs / 1000);
  const waited = seconds < 120 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.round(seconds / 60)} minutes`;
  return noticeReply('Dropped: sign-in did not complete', [
    `Your ${what} waited ${waited} for you to sign in and was dropped. Nothing was done; send the command again when you are ready.`,
  ]);
}
