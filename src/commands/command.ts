import type { OptionsInput } from '../domain/block-options';
import type { FileHash } from '../domain/file-hash';
import type { BulkLine } from './parse-bulk';
import type { OptionError } from './parse-options';

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
      /** Hashes sent with no command word: always reviewed on a card, and a comment asked for there when lines have none. */
      readonly pasted?: true;
    }
  | { readonly kind: 'requestBlock'; readonly hash: FileHash; readonly comment: string; readonly options: OptionsInput }
  | { readonly kind: 'unblock'; readonly hash: FileHash; readonly comment: string }
  | { readonly kind: 'allow'; readonly hash: FileHash; readonly comment: string }
  | { readonly kind: 'status'; readonly hash: FileHash }
  | { readonly kind: 'contain'; readonly hash: FileHash; readonly comment: string }
  | { readonly kind: 'history'; readonly hash?: FileHash }
  | { readonly kind: 'historyExport'; readonly format: 'csv' | 'json' }
  | { readonly kind: 'help' }
  | { readonly kind: 'signIn' }
  | { readonly kind: 'signOut' };

/** One of the Command kinds. */
export type CommandKind = Command['kind'];

/** Verbs that take a hash. */
export type HashVerb = 'block' | 'unblock' | 'allow' | 'status' | 'history' | 'contain';

/** Verbs whose hash comes with a required comment. */
export type CommentVerb = 'block' | 'unblock' | 'allow' | 'contain';

/** Why a message is not a valid command; each reason gets its own answer. */
export type ParseError =
  | { readonly reason: 'missingHash'; readonly verb: HashVerb }
  | { readonly reason: 'notAHash'; readonly verb: HashVerb; readonly given: string }
  | { readonly reason: 'missingComment'; readonly verb: CommentVerb; readonly hash: FileHash }
  | { readonly reason: 'commentTooLong'; readonly verb: CommentVerb; readonly length: number; readonly max: number }
  | (OptionError & { readonly verb: 'block' })
  /** `action:allow` on a block: allowing is the opposite of blocking and has its own, always confirmed, command. */
  | { readonly reason: 'allowIsItsOwnCommand'; readonly hash?: FileHash }
  | { readonly reason: 'unknownExportFormat'; readonly given: string }
  | { readonly reason: 'unknownCommand'; readonly word: string }
  /** The message is longer than the bot reads (MAX_MESSAGE_LENGTH); nothing of it was parsed. */
  | { readonly reason: 'tooLong'; readonly length: number; readonly max: number };

/** The outcome of parsing one message. */
export type ParseResult = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly error: ParseError };

type CommandByKind = { readonly [C in Command as C['kind']]: C };

/** A ParseResult whose command is one of the kinds `K`. */
export type ParseResultOf<K extends CommandKind> = { readonly ok: true; readonly command: CommandByKind[K] } | { readonly ok: false; readonly error: ParseError };
