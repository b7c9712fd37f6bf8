import { ALL_SCOPES, defineCommand } from '../command-spec';

/** `sign out` (also `log out`, `logout`, `signout`): the whole message; its help line is shared with sign in. */
export const signOutCommand = defineCommand({
  name: 'sign out',
  verbs: [{ message: /^(sign\s*out|log\s*out|logout|signout)$/i }],
  help: [],
  scopes: ALL_SCOPES,
  manifest: 'unlisted',
  kinds: ['signOut'],
  parse: () => ({ ok: true, command: { kind: 'signOut' } }),
});
