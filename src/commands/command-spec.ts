import type { CommandKind, ParseResultOf } from './command';

/** Where Teams offers a bot command. */
export type Scope = 'personal' | 'team' | 'groupChat';

/** Every scope, in the order the manifest lists them. */
export const ALL_SCOPES: readonly Scope[] = ['personal', 'team', 'groupChat'];

/** A whole message that selects a command, optionally only with (or without) an attached file. */
export interface WholeMessage {
  readonly message: RegExp;
  readonly withFile?: boolean;
}

/** How a message selects a command: its first word (lower case, a leading slash ignored) or the whole message. */
export type Verb = string | WholeMessage;

/** One line of the help card. */
export interface HelpLine {
  /** Placeholders as ‹hash›: Teams' Markdown would swallow <hash> as an HTML tag. */
  readonly usage: string;
  readonly description: string;
}

/** The entry a command gets in the Teams manifest's commandLists. */
export interface ManifestCommand {
  readonly title: string;
  readonly description: string;
}

/** What a command's parser reads: the first line after the verb, the lines below it, and whether a file came along. */
export interface CommandInput {
  readonly rest: string;
  readonly more: string;
  readonly hasFile: boolean;
}

/** One chat command family: how it is typed, shown, offered and parsed. */
export interface CommandSpec<K extends CommandKind = CommandKind> {
  /** The command as typed, e.g. `request block`; the README table names it. */
  readonly name: string;
  readonly verbs: readonly Verb[];
  /** Its lines on the help card, in order; a command described on another's line has none. */
  readonly help: readonly HelpLine[];
  readonly scopes: readonly Scope[];
  readonly manifest: ManifestCommand | 'unlisted';
  readonly kinds: readonly K[];
  readonly parse: (input: CommandInput) => ParseResultOf<NoInfer<K>>;
}

/** Declares a catalog entry; `K` comes from `kinds`, so the parser cannot produce a kind the entry does not declare. */
export function defineCommand<const K extends CommandKind>(spec: CommandSpec<K>): CommandSpec<K> {
  return spec;
}

/** True when the verb is a whole-message pattern rather than a first word. */
export function isWholeMessage(verb: Verb): verb is WholeMessage {
  return typeof verb !== 'string';
}
