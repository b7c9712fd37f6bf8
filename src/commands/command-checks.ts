import type { OptionsInput } from '../domain/block-options';
import { classifyHash, type FileHash } from '../domain/file-hash';
import type { CommentVerb, HashVerb, ParseError, ParseResultOf } from './command';
import { MAX_COMMENT_LENGTH } from './limits';
import { takeOptions, type OptionError } from './parse-options';
import { stripQuotes, truncate } from './text-parts';

type Checked<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: ParseError };

/** The hash in `token` (quotes allowed), or why there is none. */
export function readHash(verb: HashVerb, token: string | undefined): Checked<{ readonly hash: FileHash; readonly token: string }> {
  if (!token) return { ok: false, error: { reason: 'missingHash', verb } };
  const hash = classifyHash(stripQuotes(token));
  if (!hash) return { ok: false, error: { reason: 'notAHash', verb, given: truncate(stripQuotes(token), 80) } };
  return { ok: true, hash, token };
}

/** The trimmed comment: required, and at most MAX_COMMENT_LENGTH characters. */
export function checkComment(verb: CommentVerb, hash: FileHash, raw: string): Checked<{ readonly comment: string }> {
  const comment = raw.trim();
  if (comment === '') return { ok: false, error: { reason: 'missingComment', verb, hash } };
  if (comment.length > MAX_COMMENT_LENGTH) return { ok: false, error: { reason: 'commentTooLong', verb, length: comment.length, max: MAX_COMMENT_LENGTH } };
  return { ok: true, comment };
}

/** A block of `hash` from options already read (by either grammar) and the raw comment: options first, then the comment; `action:allow` is refused. */
export function blockOf(hash: FileHash, taken: { readonly options: OptionsInput; readonly rest: string } | OptionError): ParseResultOf<'block'> {
  if ('reason' in taken) return { ok: false, error: { ...taken, verb: 'block' } };
  if (taken.options.action === 'Allowed') return { ok: false, error: { reason: 'allowIsItsOwnCommand', hash } };
  const comment = checkComment('block', hash, taken.rest);
  if (!comment.ok) return comment;
  return { ok: true, command: { kind: 'block', hash, comment: comment.comment, options: taken.options } };
}

/** A block of `hash` from the text after it: leading `key:value` options, then the comment. */
export function blockAfterHash(hash: FileHash, afterHash: string): ParseResultOf<'block'> {
  return blockOf(hash, takeOptions(afterHash.trim()));
}
