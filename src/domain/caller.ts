/** Who sent the command, as the channel says (never from card data). */
export interface Caller {
  /** The channel's user id (Teams: 29:...). */
  readonly userId: string;
  /** Entra object id; absent outside Teams (e.g. a local emulator without one). */
  readonly aadObjectId?: string;
  readonly name: string;
  readonly tenantId?: string;
  /** The signed-in account's user principal name, once a session bound the caller to its token. */
  readonly upn?: string;
}
