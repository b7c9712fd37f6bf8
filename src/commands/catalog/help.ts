import { ALL_SCOPES, defineCommand } from '../command-spec';

/** `help` (also `?`, `hi`, `hello`, `commands`, or an empty message): the help card. */
export const helpCommand = defineCommand({
  name: 'help',
  verbs: ['help', '?', 'hi', 'hello', 'commands', { message: /^$/, withFile: false }],
  help: [{ usage: 'help', description: 'Show this card.' }],
  scopes: ALL_SCOPES,
  manifest: { title: 'help', description: 'Show what the bot can do and how to use it' },
  kinds: ['help'],
  parse: () => ({ ok: true, command: { kind: 'help' } }),
});
