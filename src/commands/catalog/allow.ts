import type { ParseResultOf } from '../command';
import { checkComment, readHash } from '../command-checks';
import { ALL_SCOPES, defineCommand, type CommandInput } from '../command-spec';
import { firstToken, joinLines } from '../text-parts';

/** `allow ‹hash› ‹comment›`: an Allowed indicator, its own command because it is the opposite of a block; always confirmed. */
export const allowCommand = defineCommand({
  name: 'allow',
  verbs: ['allow'],
  help: [
    {
      usage: 'allow ‹hash› ‹comment›',
      description: 'Adds an Allowed indicator (Indicators API): Defender stops blocking or alerting on the file. The bot always asks you to confirm first.',
    },
  ],
  scopes: ALL_SCOPES,
  manifest: { title: 'allow', description: 'allow <hash> <comment>: Allow a file in Defender (asks first)' },
  kinds: ['allow'],
  parse: parseAllow,
});

function parseAllow({ rest, more }: CommandInput): ParseResultOf<'allow'> {
  const text = joinLines(rest, more);
  const hash = readHash('allow', firstToken(text));
  if (!hash.ok) return hash;
  const comment = checkComment('allow', hash.hash, text.slice(text.indexOf(hash.token) + hash.token.length));
  if (!comment.ok) return comment;
  return { ok: true, command: { kind: 'allow', hash: hash.hash, comment: comment.comment } };
}
