import type { ParseResultOf } from '../command';
import { readHash } from '../command-checks';
import { ALL_SCOPES, defineCommand, type CommandInput } from '../command-spec';
import { truncate } from '../text-parts';

/** `history [‹hash›]` (also `audit`) and `history export [csv|json]`: the audit trail. */
export const historyCommand = defineCommand({
  name: 'history',
  verbs: ['history', 'audit'],
  help: [{ usage: 'history [‹hash›] / history export [csv|json]', description: 'Who did what, when and why.' }],
  scopes: ALL_SCOPES,
  manifest: { title: 'history', description: 'history [<hash>] or history export: The audit trail' },
  kinds: ['history', 'historyExport'],
  parse: parseHistory,
});

function parseHistory({ rest }: CommandInput): ParseResultOf<'history' | 'historyExport'> {
  const words = rest.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, command: { kind: 'history' } };
  if (words[0].toLowerCase() === 'export') {
    const format = (words[1] ?? 'csv').toLowerCase();
    if (format !== 'csv' && format !== 'json') return { ok: false, error: { reason: 'unknownExportFormat', given: truncate(words[1], 20) } };
    return { ok: true, command: { kind: 'historyExport', format } };
  }
  const hash = readHash('history', words[0]);
  return hash.ok ? { ok: true, command: { kind: 'history', hash: hash.hash } } : hash;
}
