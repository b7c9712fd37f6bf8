import type { ParseResultOf } from '../command';
import { checkComment, readHash } from '../command-checks';
import { ALL_SCOPES, defineCommand, type CommandInput } from '../command-spec';
import { firstToken, joinLines } from '../text-parts';

/** `unblock ‹hash› ‹comment›`: lifts a block. */
export const unblockCommand = defineCommand({
  name: 'unblock',
  verbs: ['unblock'],
  help: [{ usage: 'unblock ‹hash› ‹comment›', description: 'Lifts a block; if indicators someone else (or another tool) created would go too, it lists them and asks first.' }],
  scopes: ALL_SCOPES,
  manifest: { title: 'unblock', description: 'unblock <hash> <comment>: Lift a block' },
  kinds: ['unblock'],
  parse: parseUnblock,
});

function parseUnblock({ rest, more }: CommandInput): ParseResultOf<'unblock'> {
  const text = joinLines(rest, more);
  const hash = readHash('unblock', firstToken(text));
  if (!hash.ok) return hash;
  const comment = checkComment('unblock', hash.hash, text.slice(text.indexOf(hash.token) + hash.token.length));
  if (!comment.ok) return comment;
  return { ok: true, command: { kind: 'unblock', hash: hash.hash, comment: comment.comment } };
}
