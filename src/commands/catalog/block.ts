import { classifyHash } from '../../domain/file-hash';
import type { ParseResultOf } from '../command';
import { blockAfterHash } from '../command-checks';
import { ALL_SCOPES, defineCommand, type CommandInput } from '../command-spec';
import { MAX_COMMENT_LENGTH } from '../limits';
import { parseBulkLines } from '../parse-bulk';
import { takeOptions } from '../parse-options';
import { firstToken, joinLines, stripQuotes, truncate } from '../text-parts';

type BlockKind = 'block' | 'blockForm' | 'bulkBlock';

/** `block ‹hash› ‹comment›` with options, `block` alone (the form), and bulk: lines of hashes or an attached CSV. */
export const blockCommand = defineCommand({
  name: 'block',
  verbs: ['block', { message: /^$/, withFile: true }],
  help: [
    {
      usage: 'block ‹hash› ‹comment›',
      description:
        'Block the file everywhere in the organization (SHA-1; SHA-256 and MD5 too on the Indicators API). The comment is required and stays with the action in Defender.',
    },
    {
      usage: 'block ‹hash› action:audit expires:30d severity:high groups:"Servers" ‹comment›',
      description: 'Options (Indicators API): action block, remediate, audit or warn (audit and warn do not block); expires in days, a date or never; severity; device groups.',
    },
    { usage: 'block (alone)', description: 'Opens the block form.' },
    { usage: 'block ‹comment› + one hash per line', description: 'Blocks many files at once (lines may be "hash,comment"); or attach a CSV file.' },
  ],
  scopes: ALL_SCOPES,
  manifest: { title: 'block', description: 'block <hash> <comment>: Block a file in Defender for Endpoint' },
  kinds: ['block', 'blockForm', 'bulkBlock'],
  parse: parseBlock,
});

function parseBlock({ rest, more, hasFile }: CommandInput): ParseResultOf<BlockKind> {
  const first = firstToken(rest);
  const hash = first ? classifyHash(stripQuotes(first)) : undefined;
  if (first && hash) return blockAfterHash(hash, joinLines(rest.slice(first.length), more));
  if (more.trim() === '' && !hasFile) {
    if (rest.trim() === '') return { ok: true, command: { kind: 'blockForm' } };
    return { ok: false, error: { reason: 'notAHash', verb: 'block', given: truncate(stripQuotes(first ?? rest), 80) } };
  }
  return parseBulk(rest, more);
}

function parseBulk(rest: string, more: string): ParseResultOf<'bulkBlock'> {
  const taken = takeOptions(rest.trim());
  if ('reason' in taken) return { ok: false, error: { ...taken, verb: 'block' } };
  if (taken.options.action === 'Allowed') return { ok: false, error: { reason: 'allowIsItsOwnCommand' } };
  const sharedComment = taken.rest.trim() || undefined;
  if (sharedComment && sharedComment.length > MAX_COMMENT_LENGTH) {
    return { ok: false, error: { reason: 'commentTooLong', verb: 'block', length: sharedComment.length, max: MAX_COMMENT_LENGTH } };
  }
  return { ok: true, command: { kind: 'bulkBlock', lines: parseBulkLines(more), ...(sharedComment ? { sharedComment } : {}), options: taken.options } };
}
