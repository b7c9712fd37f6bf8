import type { DefenderError, TokenError } from '../errors';
import type { Caller } from './caller';
import type { FileHash, HashType } from './file-hash';
import type { FileStatus } from './file-status';
import type { RoleTemplateId } from './roles';

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

/** The audit outcome of a refusal. */
export function refusalOutcome(refusal: Refusal): 'denied' | 'failed' {
  return refusal.kind === 'denied' ? 'denied' : 'failed';
}

/** The audit outcome of an action Defender was asked to carry out: `unknown` when the request was sent and its answer lost. */
export function sentOutcome(refusal: Refusal): 'denied' | 'failed' | 'unknown' {
  return refusal.kind === 'failed' && refusal.error.reason === 'outcomeUnknown' ? 'unknown' : refusalOutcome(refusal);
}

/** Defender's correlation id, when a refusal has one. */
export function refusalCorrelation(refusal: Refusal): string | undefined {
  return refusal.kind === 'failed' ? refusal.error.details.correlationId : undefined;
}

/** The audit trail's view of who acted. */
export function actorOf(caller: Caller): { aadObjectId?: string; name: string; userId: string } {
  return { aadObjectId: caller.aadObjectId, name: caller.name, userId: caller.userId };
}
