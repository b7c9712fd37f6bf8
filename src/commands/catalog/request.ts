import type { ParseResultOf } from '../command';
import { blockAfterHash, readHash } from '../command-checks';
import { ALL_SCOPES, defineCommand, type CommandInput } from '../command-spec';
import { firstToken, joinLines } from '../text-parts';

/** `request block ‹hash› ‹comment›`: a block that waits for a colleague's approval. */
export const requestCommand = defineCommand({
  name: 'request block',
  verbs: ['request'],
  help: [{ usage: 'request block ‹hash› ‹comment›', description: 'Asks a colleague with the role to approve the block (four eyes); the card goes to the SOC channel.' }],
  scopes: ALL_SCOPES,
  manifest: 'unlisted',
  kinds: ['requestBlock'],
  parse: parseRequest,
});

function parseRequest({ rest, more }: CommandInput): ParseResultOf<'requestBlock'> {
  const match = /^block\b\s*(.*)$/i.exec(rest);
  if (!match) return { ok: false, error: { reason: 'unknownCommand', word: 'request' } };
  const hash = readHash('block', firstToken(match[1]));
  if (!hash.ok) return hash;
  const afterHash = match[1].slice(match[1].indexOf(hash.token) + hash.token.length);
  const parsed = blockAfterHash(hash.hash, joinLines(afterHash, more));
  return parsed.ok ? { ok: true, command: { ...parsed.command, kind: 'requestBlock' } } : parsed;
}
