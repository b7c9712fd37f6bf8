import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import type { FileStatus } from './file-status';
import type { RoleTemplateId } from './roles';

/** Produces a bearer token for one upstream, on behalf of one caller. */
export type TokenSource = () => Promise<string>;

/** The caller's directory roles, or why they could not be read (callers must fail closed). */
export type RoleLookup =
  | { readonly ok: true; readonly roles: ReadonlySet<RoleTemplateId> }
  | { readonly ok: false; readonly detail: string };

/** Tokens for upstream APIs on behalf of one signed-in analyst; failures throw TokenError. */
export interface Delegation {
  readonly graph: TokenSource;
  readonly defender: TokenSource;
}

/** Turns a signed-in analyst's token into a Delegation (on-behalf-of). */
export interface Delegations {
  forUser(userAssertion: string): Delegation;
}

/** Answers "which directory roles does this caller hold right now?". */
export interface RoleDirectory {
  rolesOf(caller: Caller, delegation: Delegation): Promise<RoleLookup>;
}

/** A request to block one file. */
export interface BlockFileRequest {
  readonly hash: FileHash;
  readonly comment: string;
  readonly caller: Caller;
}

/** Defender for Endpoint, whichever API drives it; failures throw DefenderError. */
export interface DefenderApi {
  readonly kind: FileStatus['source'];
  block(request: BlockFileRequest, token: TokenSource): Promise<FileStatus>;
}

/** Remembers keys for a while; `claim` is true only for the first claim of a key. */
export interface OnceStore {
  claim(key: string, ttlMs: number): Promise<boolean>;
}

/** Structured logging, correlation id included by the caller. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}
