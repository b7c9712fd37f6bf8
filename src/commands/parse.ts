import { classifyHash, type FileHash } from '../domain/file-hash';
import { parseBulkLines, type BulkLine } from './parse-bulk';
import { takeOptions, type OptionError, type OptionsInput } from './parse-options';
import { normalizeMessageText } from './normalize-text';

import { MAX_COMMENT_LENGTH } from './limits';

export { MAX_COMMENT_LENGTH } from './limits';

/** A command the bot understands. */
export type Command =
  | { readonly kind: 'block'; readonly hash: FileHash; readonly comment: string; readonly options: OptionsInput }
  | { readonly kind: 'blockForm' }
  | {
      readonly kind: 'bulkBlock';
      readonly lines: readonly BulkLine[];
      /** Applies to lines without their own comment. */
      readonly sharedComment?: string;
      readonly options: OptionsInput;
    }
  | { readonly kind: 'requestBlock'; readonly hash: FileHash; readonly comment: string; readonly options: OptionsInput }
  | { readonly kind: 'unblock'; readonly hash: FileHash; readonly comment: string }
  | { readonly kind: 'status'; readonly hash: FileHash }
  | { readonly kind: 'history'; readonly hash?: FileHash }
  | { readonly kind: 'historyExport'; readonly format: 'csv' | 'json' }
  | { readonly kind: 'help' }
  | { readonly kind: 'signIn' }
  | { readonly kind: 'signOut' };

/** Verbs that take a hash. */
export type HashVerb = 'block' | 'unblock' | 'status' | 'history';

/** Why a message is not a valid command; each reason gets its own answer. */
export type ParseError =
  | { readonly reason: 'missingHash'; readonly verb: HashVerb }
  | { readonly reason: 'notAHash'; readonly verb: HashVerb; readonly given: string }
  | { readonly reason: 'missingComment'; readonly verb: 'block' | 'unblock'; readonly hash: FileHash }
  | { readonly reason: 'commentTooLong'; readonly verb: 'block' | 'unblock'; readonly length: number; readonly max: number }
  | (OptionError & { readonly verb: 'block' })
  | { readonly reason: 'unknownExportFormat'; readonly given: string }
  | { readonly reason: 'unknownCommand'; readonly word: string };

/** The outcome of parsing one message. */
export type ParseResult = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly error: ParseError };

const HELP_WORDS = new Set(['help', '?', 'hi', 'hello', 'commands']);
const SIGN_IN = /^(sign\s*in|log\s*in|login|signin)$/i;
const SIGN_OUT = /^(sign\s*out|log\s*out|logout|signout)$/i;

/**
 * Parses a chat message (HTML or plain; the bot's mention already removed) into a command.
 * `hasFile`: the message carries a file (a CSV of hashes for a bulk block).
 */
export function parseCommand(rawText: string, context: { readonly hasFile?: boolean } = {}): ParseResult {
  const text = normalizeMessageText(rawText);
  if (text === '') return { ok: true, command: context.hasFile ? { kind: 'bulkBlock', lines: [], options: {} } : { kind: 'help' } };
  if (SIGN_IN.test(text)) return { ok: true, command: { kind: 'signIn' } };
  if (SIGN_OUT.test(text)) return { ok: true, command: { kind: 'signOut' } };
  const [firstLine, ...moreLines] = text.split('\n');
  const match = /^(\S+)\s*(.*)$/.exec(firstLine) ?? ['', '', ''];
  const verb = match[1].toLowerCase().replace(/^\//, '');
  const rest = match[2];
  const more = moreLines.join('\n');
  if (HELP_WORDS.has(verb)) return { ok: true, command: { kind: 'help' } };
  switch (verb) {
    case 'block':
      return parseBlock(rest, more, !!context.hasFile);
    case 'unblock':
      return parseUnblock(joinLines(rest, more));
    case 'request':
      return parseRequest(rest, more);
    case 'status':
    case 'check':
    case 'lookup':
      return parseHashOnly('status', rest);
    case 'history':
    case 'audit':
      return parseHistory(rest);
    default:
      return { ok: false, error: { reason: 'unknownCommand', word: truncate(match[1] || text, 40) } };
  }
}

function parseBlock(rest: string, more: string, hasFile: boolean): ParseResult {
  const first = firstToken(rest);
  const hash = first ? classifyHash(stripQuotes(first)) : undefined;
  if (hash) return parseSingleBlock(hash, joinLines(rest.slice(first!.length), more));
  if (more.trim() === '' && !hasFile) {
    if (rest.trim() === '') return { ok: true, command: { kind: 'blockForm' } };
    return { ok: false, error: { reason: 'notAHash', verb: 'block', given: truncate(stripQuotes(first ?? rest), 80) } };
  }
  const taken = takeOptions(rest.trim());
  if ('reason' in taken) return { ok: false, error: { ...taken, verb: 'block' } };
  const sharedComment = taken.rest.trim() || undefined;
  if (sharedComment && sharedComment.length > MAX_COMMENT_LENGTH) {
    return { ok: false, error: { reason: 'commentTooLong', verb: 'block', length: sharedComment.length, max: MAX_COMMENT_LENGTH } };
  }
  return { ok: true, command: { kind: 'bulkBlock', lines: parseBulkLines(more), sharedComment, options: taken.options } };
}

function parseSingleBlock(hash: FileHash, afterHash: string): ParseResult {
  const taken = takeOptions(afterHash.trim());
  if ('reason' in taken) return { ok: false, error: { ...taken, verb: 'block' } };
  const comment = checkComment('block', hash, taken.rest);
  if (!comment.ok) return comment;
  return { ok: true, command: { kind: 'block', hash, comment: comment.comment, options: taken.options } };
}

function parseRequest(rest: string, more: string): ParseResult {
  const match = /^block\b\s*(.*)$/i.exec(rest);
  if (!match) return { ok: false, error: { reason: 'unknownCommand', word: 'request' } };
  const first = firstToken(match[1]);
  const hash = first ? classifyHash(stripQuotes(first)) : undefined;
  if (!hash) return { ok: false, error: first ? { reason: 'notAHash', verb: 'block', given: truncate(stripQuotes(first), 80) } : { reason: 'missingHash', verb: 'block' } };
  const parsed = parseSingleBlock(hash, joinLines(match[1].slice(match[1].indexOf(first!) + first!.length), more));
  if (!parsed.ok || parsed.command.kind !== 'block') return parsed;
  return { ok: true, command: { ...parsed.command, kind: 'requestBlock' } };
}

function parseUnblock(rest: string): ParseResult {
  const first = firstToken(rest);
  if (!first) return { ok: false, error: { reason: 'missingHash', verb: 'unblock' } };
  const hash = classifyHash(stripQuotes(first));
  if (!hash) return { ok: false, error: { reason: 'notAHash', verb: 'unblock', given: truncate(stripQuotes(first), 80) } };
  const comment = checkComment('unblock', hash, rest.slice(first.length));
  if (!comment.ok) return comment;
  return { ok: true, command: { kind: 'unblock', hash, comment: comment.comment } };
}

function parseHashOnly(verb: 'status', rest: string): ParseResult {
  const first = firstToken(rest);
  if (!first) return { ok: false, error: { reason: 'missingHash', verb } };
  const hash = classifyHash(stripQuotes(first));
  if (!hash) return { ok: false, error: { reason: 'notAHash', verb, given: truncate(stripQuotes(first), 80) } };
  return { ok: true, command: { kind: verb, hash } };
}

function parseHistory(rest: string): ParseResult {
  const words = rest.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: true, command: { kind: 'history' } };
  if (words[0].toLowerCase() === 'export') {
    const format = (words[1] ?? 'csv').toLowerCase();
    if (format !== 'csv' && format !== 'json') return { ok: false, error: { reason: 'unknownExportFormat', given: truncate(words[1], 20) } };
    return { ok: true, command: { kind: 'historyExport', format } };
  }
  const hash = classifyHash(stripQuotes(words[0]));
  if (!hash) return { ok: false, error: { reason: 'notAHash', verb: 'history', given: truncate(stripQuotes(words[0]), 80) } };
  return { ok: true, command: { kind: 'history', hash } };
}

function checkComment(
  verb: 'block' | 'unblock',
  hash: FileHash,
  raw: string,
): { ok: true; comment: string } | { ok: false; error: ParseError } {
  const comment = raw.trim();
  if (comment === '') return { ok: false, error: { reason: 'missingComment', verb, hash } };
  if (comment.length > MAX_COMMENT_LENGTH) return { ok: false, error: { reason: 'commentTooLong', verb, length: comment.length, max: MAX_COMMENT_LENGTH } };
  return { ok: true, comment };
}

function joinLines(firstLineRest: string, more: string): string {
  return more ? `${firstLineRest}\n${more}` : firstLineRest;
}

function firstToken(text: string): string | undefined {
  return /^\s*(\S+)/.exec(text)?.[1];
}

/** Removes quotes and trailing punctuation people put around a pasted hash. */
export function stripQuotes(token: string): string {
  return token.replace(/^[`'"“”‘’]+|[`'"“”‘’,;:.]+$/g, '');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
