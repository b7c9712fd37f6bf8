/** Directory role template ids (the same in every tenant). */
export const DirectoryRole = {
  GlobalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  SecurityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  SecurityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
} as const;

/** A directory role template id. */
export type RoleTemplateId = string;

/** Display names for the roles the product cares about. */
export const ROLE_NAMES: Readonly<Record<string, string>> = {
  [DirectoryRole.GlobalAdministrator]: 'Global Administrator',
  [DirectoryRole.SecurityAdministrator]: 'Security Administrator',
  [DirectoryRole.SecurityReader]: 'Security Reader',
};

/** Roles that may block or unblock a file (the rule of Defender's Block file API). */
export const BLOCKING_ROLES: readonly RoleTemplateId[] = [DirectoryRole.SecurityAdministrator, DirectoryRole.GlobalAdministrator];

/** True when any of `held` is one of `allowed`. */
export function holdsAny(held: ReadonlySet<RoleTemplateId>, allowed: readonly RoleTemplateId[]): boolean {
  return allowed.some((role) => held.has(role));
}
