import type { CommandKind } from '../command';
import type { CommandSpec } from '../command-spec';
import { allowCommand } from './allow';
import { blockCommand } from './block';
import { containCommand } from './contain';
import { helpCommand } from './help';
import { historyCommand } from './history';
import { requestCommand } from './request';
import { signInCommand } from './sign-in';
import { signOutCommand } from './sign-out';
import { statusCommand } from './status';
import { unblockCommand } from './unblock';

const ENTRIES = [blockCommand, requestCommand, unblockCommand, allowCommand, containCommand, statusCommand, historyCommand, signInCommand, signOutCommand, helpCommand] as const;

type KindOf<S> = S extends CommandSpec<infer K> ? K : never;

// The build fails, naming the kind, when a Command kind has no entry that produces it.
({}) satisfies Record<Exclude<CommandKind, KindOf<(typeof ENTRIES)[number]>>, never>;

/** Every chat command, in the order the help card, the manifest and the README list them. */
export const COMMAND_CATALOG: readonly CommandSpec[] = ENTRIES;
