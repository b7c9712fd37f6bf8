import { ALL_SCOPES, defineCommand } from '../command-spec';

/** `sign in` (also `log in`, `login`, `signin`): the whole message, nothing else on it. */
export const signInCommand = defineCommand({
  name: 'sign in',
  verbs: [{ message: /^(sign\s*in|log\s*in|login|signin)$/i }],
  help: [{ usage: 'sign in / sign out', description: 'Sign in so the bot acts as you in Defender, or end that sign-in.' }],
  scopes: ALL_SCOPES,
  manifest: 'unlisted',
  kinds: ['signIn'],
  parse: () => ({ ok: true, command: { kind: 'signIn' } }),
});
