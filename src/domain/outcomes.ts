import { DefenderError, type TokenError } from '../errors';
import type { Caller } from './caller';
import { HASH_NAMES, type FileHash, type HashType } from './file-hash';
import type { FileStatus } from './file-status';
import type { AuditEntry, AuditLog } from './ports';
import { ROLE_NAMES, type RoleTemplateId } from './roles';

/** Every way an action can be refused or fail before or while talking to Defender. */
export type Refusal =
  | { readonly kind: 'denied'; readonly heldRoles: readonly RoleTemplateId[]; readonly neededRoles: readonly RoleTemplateId[] }
  | { readonly kind: 'rolesUnavailable'; readonly detail: string }
  | { readonly kind: 'tokenFailed'; readonly error: TokenError }
  | { readonly kind: 'failed'; readonly error: DefenderError }
  | { readonly kind: 'unsupportedHash'; readonly hash: FileHash; readonly api: FileStatus['source']; readonly supported: readonly HashType[] };

/** A short reason for the audit trail. */
export function refusalDetail(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'denied':
      return 'caller lacks the directory role';
    case 'rolesUnavailable':
      return `roles could not be checked: ${refusal.detail}`;
    case 'tokenFailed':
      return `token: ${refusal.error.reason}`;
    case 'failed':
      return `${refusal.error.reason}: ${refusal.error.message}`;
    case 'unsupportedHash':
      return `${refusal.hash.type} is not supported by the ${refusal.api} API`;
  }
}

const TOKEN_WORDS: Record<TokenError['reason'], (person: string) => string> = {
  unavailable: (person) => `The bot could not get a token to act on behalf of ${person}.`,
  interactionRequired: (person) => `The sign-in of ${person} needs to be renewed.`,
  consentRequired: (person) => `Consent is needed before the bot can act on behalf of ${person}.`,
  invalidGrant: (person) => `The sign-in of ${person} has expired or was revoked.`,
};

/**
 * A refusal in words, for a card or a notice that stores it (an approval's failure): a sentence
 * without reason codes. `person` is who the bot acted as ("the approver").
 */
export function refusalInWords(refusal: Refusal, person: string): string {
  switch (refusal.kind) {
    case 'denied':
      return `${capitalized(person)} does not hold the ${refusal.neededRoles.map((role) => ROLE_NAMES[role] ?? role).join(' or ')} role.`;
    case 'rolesUnavailable':
      return `The directory roles of ${person} could not be checked (${refusal.detail}).`;
    case 'tokenFailed':
      return TOKEN_WORDS[refusal.error.reason](person);
    case 'failed': {
      // Defender's own error text ("Missing Machine.ReadWrite.All") says little without the answer it came in.
      const { message, details } = refusal.error;
      return details.httpStatus !== undefined && !message.startsWith('Defender') ? `Defender answered HTTP ${details.httpStatus}: ${message}` : message;
    }
    case 'unsupportedHash':
      return `The ${refusal.api} API does not take ${HASH_NAMES[refusal.hash.type]} hashes.`;
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The audit outcome of a refusal. */
export function refusalOutcome(refusal: Refusal): 'denied' | 'failed' {
  return refusal.kind === 'denied' ? 'denied' : 'failed';
}

/** The audit outcome of an action Defender was asked to carry out: `unknown` when the request was sent and its answer lost. */
export function sentOutcome(refusal: Refusal): 'denied' | 'failed' | 'unknown' {
  return refusal.kind === 'failed' && refusal.error.reason === 'outcomeUnknown' ? 'unknown' : refusalOutcome(refusal);
}

/**
 * Records the intent of an action before Defender is asked. When it cannot be written, nothing is sent:
 * that is a `notSent` failure (the file's state is unchanged), not a Defender failure.
 */
export async function recordIntent(audit: AuditLog, entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
  try {
    await audit.record(entry);
  } catch (error) {
    throw new DefenderError('notSent', 'The bot could not write its audit trail, so nothing was sent to Defender.', {}, { cause: error });
  }
}

/**
 * Audits how an action ended. A `notSent` failure is audited if the trail takes it now, and never throws:
 * the audit trail just failed, and the user must still hear that nothing was done.
 */
export async function auditEnding(refusal: Refusal, write: () => Promise<unknown>): Promise<void> {
  if (isNotSent(refusal)) await write().catch(() => undefined);
  else await write();
}

/** Whether an outcome is an action `recordIntent` kept from being sent. */
export function isNotSent(outcome: { readonly kind: string; readonly error?: unknown }): boolean {
  return outcome.kind === 'failed' && outcome.error instanceof DefenderError && outcome.error.reason === 'notSent';
}

/** Defender's correlation id, when a refusal has one. */
export function refusalCorrelation(refusal: Refusal): string | undefined {
  return refusal.kind === 'failed' ? refusal.error.details.correlationId : undefined;
}

/** The audit trail's view of who acted. */
export function actorOf(caller: Caller): { aadObjectId?: string; name: string; userId: string } {
  return { aadObjectId: caller.aadObjectId, name: caller.name, userId: caller.userId };
}
