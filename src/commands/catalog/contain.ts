import type { ParseResultOf } from '../command';
import { checkComment, readHash } from '../command-checks';
import { ALL_SCOPES, defineCommand, type CommandInput } from '../command-spec';
import { firstToken, joinLines } from '../text-parts';

/** `contain ‹hash› ‹comment›` (also `quarantine`): stop & quarantine the file on the devices where Defender saw it. */
export const containCommand = defineCommand({
  name: 'contain',
  verbs: ['contain', 'quarantine'],
  help: [
    {
      usage: 'contain ‹hash› ‹comment›',
      description: 'Stops and quarantines the file on the devices where Defender saw it (also "quarantine"). Shows the devices first; one card tracks every device to the end.',
    },
  ],
  scopes: ALL_SCOPES,
  manifest: { title: 'contain', description: 'contain <hash> <comment>: Stop & quarantine the file on its devices' },
  kinds: ['contain'],
  parse: parseContain,
});

function parseContain({ rest, more }: CommandInput): ParseResultOf<'contain'> {
  const text = joinLines(rest, more);
  const hash = readHash('contain', firstToken(text));
  if (!hash.ok) return hash;
  const comment = checkComment('contain', hash.hash, text.slice(text.indexOf(hash.token) + hash.token.length));
  if (!comment.ok) return comment;
  return { ok: true, command: { kind: 'contain', hash: hash.hash, comment: comment.comment } };
}
