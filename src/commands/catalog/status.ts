import { readHash } from '../command-checks';
import { ALL_SCOPES, defineCommand } from '../command-spec';
import { firstToken } from '../text-parts';

/** `status ‹hash›` (also `check`, `lookup`): block state and what Defender knows of the file. */
export const statusCommand = defineCommand({
  name: 'status',
  verbs: ['status', 'check', 'lookup'],
  help: [{ usage: 'status ‹hash›', description: 'Block state and what Defender knows of the file (Security Reader may use it).' }],
  scopes: ALL_SCOPES,
  manifest: { title: 'status', description: 'status <hash>: Block state and what Defender knows of the file' },
  kinds: ['status'],
  parse: ({ rest }) => {
    const hash = readHash('status', firstToken(rest));
    return hash.ok ? { ok: true, command: { kind: 'status', hash: hash.hash } } : hash;
  },
});
