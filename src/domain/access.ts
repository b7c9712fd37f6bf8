import { DefenderError, TokenError } from '../errors';
import type { Caller } from './caller';
import type { Refusal } from './outcomes';
import type { Delegation, RoleDirectory } from './ports';
import { BLOCKING_ROLES, DirectoryRole, holdsAny, type RoleTemplateId } from './roles';

/** Roles that may look a file up and read the audit trail. */
export const READING_ROLES: readonly RoleTemplateId[] = [...BLOCKING_ROLES, DirectoryRole.SecurityReader];

/** Checks the caller's roles live; undefined when allowed, else why not (fails closed). */
export async function refuseUnlessHolds(roles: RoleDirectory, caller: Caller, delegation: Delegation, allowed: readonly RoleTemplateId[]): Promise<Refusal | undefined> {
  const checked = await rolesIfHolds(roles, caller, delegation, allowed);
  return 'kind' in checked ? checked : undefined;
}

/** Like refuseUnlessHolds, but hands back the roles held when allowed (for what else they permit). */
export async function rolesIfHolds(
  roles: RoleDirectory,
  caller: Caller,
  delegation: Delegation,
  allowed: readonly RoleTemplateId[],
): Promise<Refusal | { readonly held: ReadonlySet<RoleTemplateId> }> {
  const lookup = await roles.rolesOf(caller, delegation);
  if (!lookup.ok) return { kind: 'rolesUnavailable', detail: lookup.detail };
  if (!holdsAny(lookup.roles, allowed)) return { kind: 'denied', heldRoles: [...lookup.roles], neededRoles: allowed };
  return { held: lookup.roles };
}

/** Turns what a use case threw into a Refusal; anything unknown becomes an `unexpected` Defender failure. */
export function refusalFrom(error: unknown): Refusal {
  if (error instanceof TokenError) return { kind: 'tokenFailed', error };
  if (error instanceof DefenderError) return { kind: 'failed', error };
  return { kind: 'failed', error: new DefenderError('unexpected', 'The Defender call failed in an unexpected way.', {}, { cause: error }) };
}
