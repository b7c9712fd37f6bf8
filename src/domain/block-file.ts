import { DefenderError, TokenError } from '../errors';
import type { FileStatus } from './file-status';
import type { BlockFileRequest, DefenderApi, Delegation, RoleDirectory } from './ports';
import { BLOCKING_ROLES, holdsAny, type RoleTemplateId } from './roles';

/** What the block use case needs from the outside world. */
export interface BlockFileDeps {
  readonly roles: RoleDirectory;
  readonly defender: DefenderApi;
}

/** Every way a block request can end; only `blocked` means Defender accepted it. */
export type BlockOutcome =
  | { readonly kind: 'blocked'; readonly status: FileStatus }
  | { readonly kind: 'denied'; readonly heldRoles: readonly RoleTemplateId[]; readonly neededRoles: readonly RoleTemplateId[] }
  | { readonly kind: 'rolesUnavailable'; readonly detail: string }
  | { readonly kind: 'tokenFailed'; readonly error: TokenError }
  | { readonly kind: 'failed'; readonly error: DefenderError };

/** Checks the caller's role live, then asks Defender to block the file on the caller's behalf. */
export async function blockFile(deps: BlockFileDeps, request: BlockFileRequest, delegation: Delegation): Promise<BlockOutcome> {
  try {
    const lookup = await deps.roles.rolesOf(request.caller, delegation);
    if (!lookup.ok) return { kind: 'rolesUnavailable', detail: lookup.detail };
    if (!holdsAny(lookup.roles, BLOCKING_ROLES)) {
      return { kind: 'denied', heldRoles: [...lookup.roles], neededRoles: BLOCKING_ROLES };
    }
    const status = await deps.defender.block(request, delegation.defender);
    return { kind: 'blocked', status };
  } catch (error) {
    if (error instanceof TokenError) return { kind: 'tokenFailed', error };
    if (error instanceof DefenderError) return { kind: 'failed', error };
    return {
      kind: 'failed',
      error: new DefenderError('unexpected', 'The Defender call failed in an unexpected way.', {}, { cause: error }),
    };
  }
}
