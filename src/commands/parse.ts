import { classifyHash, type FileHash, type HashType } from '../domain/file-hash';
import { normalizeMessageText } from './normalize-text';

/** Longest comment accepted; Defender keeps it with the action and the card shows it. */
export const MAX_COMMENT_LENGTH = 1000;

/** A command the bot understands. */
export type Command =
  | { readonly kind: 'block'; readonly hash: FileHash; readonly comment: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'signIn' }
  | { readonly kind: 'signOut' };

/** Why a message is not a valid command; each reason gets its own answer. */
export type ParseError =
  | { readonly reason: 'missingHash'; readonly verb: 'block' }
  | { readonly reason: 'notSha1'; readonly verb: 'block'; readonly given: string; readonly detected?: HashType }
  | { readonly reason: 'missingComment'; readonly verb: 'block'; readonly hash: FileHash }
  | { readonly reason: 'commentTooLong'; readonly verb: 'block'; readonly length: number; readonly max: number }
  | { readonly reason: 'unknownCommand'; readonly word: string };

/** The outcome of parsing one message. */
export type ParseResult = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly error: ParseError };

const HELP_WORDS = new Set(['help', '?', 'hi', 'hello', 'commands']);
const SIGN_IN = /^(sign\s*in|log\s*in|login|signin)$/i;
const SIGN_OUT = /^(sign\s*out|log\s*out|logout|signout)$/i;

/** Parses a chat message (mention already removed or not, HTML or plain) into a command. */
export function parseCommand(rawText: string): ParseResult {
  const text = normalizeMessageText(rawText);
  if (text === '') return { ok: true, command: { kind: 'help' } };
  if (SIGN_IN.test(text)) return { ok: true, command: { kind: 'signIn' } };
  if (SIGN_OUT.test(text)) return { ok: true, command: { kind: 'signOut' } };
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  const verb = (match?.[1] ?? '').toLowerCase().replace(/^\//, '');
  const rest = match?.[2] ?? '';
  if (HELP_WORDS.has(verb)) return { ok: true, command: { kind: 'help' } };
  if (verb === 'block') return parseBlock(rest);
  return { ok: false, error: { reason: 'unknownCommand', word: truncate(match?.[1] ?? text, 40) } };
}

function parseBlock(rest: string): ParseResult {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  if (!match) return { ok: false, error: { reason: 'missingHash', verb: 'block' } };
  const given = stripQuotes(match[1]);
  const hash = classifyHash(given);
  if (!hash || hash.type !== 'Sha1') {
    return { ok: false, error: { reason: 'notSha1', verb: 'block', given: truncate(given, 80), detected: hash?.type } };
  }
  const comment = match[2].trim();
  if (comment === '') return { ok: false, error: { reason: 'missingComment', verb: 'block', hash } };
  if (comment.length > MAX_COMMENT_LENGTH) {
    return { ok: false, error: { reason: 'commentTooLong', verb: 'block', length: comment.length, max: MAX_COMMENT_LENGTH } };
  }
  return { ok: true, command: { kind: 'block', hash, comment } };
}

function stripQuotes(token: string): string {
  return token.replace(/^[`'"“”‘’]+|[`'"“”‘’,;:]+$/g, '');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
