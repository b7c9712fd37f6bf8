import { COMMAND_CATALOG } from './catalog';
import type { ParseResult } from './command';
import { isWholeMessage, type CommandSpec, type WholeMessage } from './command-spec';
import { MAX_MESSAGE_LENGTH } from './limits';
import { normalizeMessageText } from './normalize-text';
import { pastedHashLines } from './pasted-hashes';
import { truncate } from './text-parts';

export type { Command, CommandKind, ParseError, ParseResult } from './command';
export { MAX_COMMENT_LENGTH, MAX_MESSAGE_LENGTH } from './limits';

const BY_WORD = wordIndex(COMMAND_CATALOG);
const WHOLE_MESSAGES = COMMAND_CATALOG.flatMap((spec) => spec.verbs.filter(isWholeMessage).map((verb) => ({ verb, spec })));

/**
 * Parses a chat message (HTML or plain; the bot's mention already removed) into a command.
 * `hasFile`: the message carries a file (a CSV of hashes for a bulk block).
 */
export function parseCommand(rawText: string, context: { readonly hasFile?: boolean } = {}): ParseResult {
  if (rawText.length > MAX_MESSAGE_LENGTH) return { ok: false, error: { reason: 'tooLong', length: rawText.length, max: MAX_MESSAGE_LENGTH } };
  const text = normalizeMessageText(rawText);
  const hasFile = !!context.hasFile;
  const whole = WHOLE_MESSAGES.find(({ verb }) => selects(verb, text, hasFile));
  if (whole) return whole.spec.parse({ rest: '', more: '', hasFile });
  const [firstLine, ...moreLines] = text.split('\n');
  const match = /^(\S+)\s*(.*)$/.exec(firstLine) ?? ['', '', ''];
  const spec = BY_WORD.get(match[1].toLowerCase().replace(/^\//, ''));
  if (!spec) {
    // No command word: a message of hashes (a pasted list, a copied alert) goes to the bulk review; anything else gets the help answer.
    const pasted = pastedHashLines(text);
    if (pasted) return { ok: true, command: { kind: 'bulkBlock', lines: pasted, options: {}, pasted: true } };
    return { ok: false, error: { reason: 'unknownCommand', word: truncate(match[1] || text, 40) } };
  }
  return spec.parse({ rest: match[2], more: moreLines.join('\n'), hasFile });
}

function selects(verb: WholeMessage, text: string, hasFile: boolean): boolean {
  return (verb.withFile === undefined || verb.withFile === hasFile) && verb.message.test(text);
}

function wordIndex(catalog: readonly CommandSpec[]): ReadonlyMap<string, CommandSpec> {
  const index = new Map<string, CommandSpec>();
  for (const spec of catalog) {
    for (const verb of spec.verbs) {
      if (isWholeMessage(verb)) continue;
      const owner = index.get(verb);
      if (owner) throw new Error(`The verb "${verb}" belongs to both "${owner.name}" and "${spec.name}"`);
      index.set(verb, spec);
    }
  }
  return index;
}
