import { COMMAND_CATALOG } from '../../src/commands/catalog';
import { ALL_SCOPES, isWholeMessage } from '../../src/commands/command-spec';
import { parseCommand, type CommandKind } from '../../src/commands/parse';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

/** A message producing each kind; a new Command kind fails the build here until it has one. */
const SAMPLES: Record<CommandKind, { text: string; hasFile?: boolean }> = {
  block: { text: `block ${SHA1} why` },
  blockForm: { text: 'block' },
  bulkBlock: { text: 'block campaign 7', hasFile: true },
  requestBlock: { text: `request block ${SHA1} why` },
  unblock: { text: `unblock ${SHA1} why` },
  allow: { text: `allow ${SHA1} why` },
  contain: { text: `quarantine ${SHA1} why` },
  status: { text: `status ${SHA1}` },
  history: { text: 'history' },
  historyExport: { text: 'history export' },
  help: { text: 'help' },
  signIn: { text: 'sign in' },
  signOut: { text: 'sign out' },
};

const ownersOf = (kind: CommandKind) => COMMAND_CATALOG.filter((spec) => spec.kinds.includes(kind));

describe('command catalog', () => {
  it.each(Object.entries(SAMPLES) as [CommandKind, { text: string; hasFile?: boolean }][])('%s is declared by exactly one entry and produced from a message', (kind, sample) => {
    expect(ownersOf(kind)).toHaveLength(1);
    expect(parseCommand(sample.text, { hasFile: sample.hasFile })).toMatchObject({ ok: true, command: { kind } });
  });

  it('declares no kind the Command union lacks', () => {
    expect(COMMAND_CATALOG.flatMap((spec) => spec.kinds).filter((kind) => !(kind in SAMPLES))).toEqual([]);
  });

  it('has unique names and first-word verbs, in lower case without spaces', () => {
    const names = COMMAND_CATALOG.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    const words = COMMAND_CATALOG.flatMap((spec) => spec.verbs.filter((verb): verb is string => !isWholeMessage(verb)));
    expect(new Set(words).size).toBe(words.length);
    expect(words.filter((word) => word !== word.toLowerCase() || /\s|^\//.test(word))).toEqual([]);
  });

  it.each(COMMAND_CATALOG.flatMap((spec) => spec.verbs.filter((verb): verb is string => !isWholeMessage(verb)).map((verb) => [verb, spec.name])))(
    'the verb %s reaches %s',
    (verb, name) => {
      const spec = COMMAND_CATALOG.find((candidate) => candidate.name === name)!;
      const result = parseCommand(`${name.replace(/^\S+/, verb)} ${SHA1} why`);
      expect(result.ok && spec.kinds.includes(result.command.kind)).toBe(true);
    },
  );

  it('names every command on the help card, with usage and description on each line', () => {
    const lines = COMMAND_CATALOG.flatMap((spec) => spec.help);
    const usages = lines.map((line) => ` ${line.usage.replace(/\//g, ' ')} `);
    expect(COMMAND_CATALOG.filter((spec) => !usages.some((usage) => usage.includes(` ${spec.name} `))).map((spec) => spec.name)).toEqual([]);
    expect(lines.filter((line) => !line.usage.trim() || !line.description.trim())).toEqual([]);
    expect(lines.filter((line) => /<[a-z]+>/i.test(line.usage))).toEqual([]);
  });

  it('offers every command in known scopes and lists at most 10 per scope in the manifest', () => {
    for (const spec of COMMAND_CATALOG) expect(spec.scopes.filter((scope) => !ALL_SCOPES.includes(scope))).toEqual([]);
    for (const scope of ALL_SCOPES) {
      expect(COMMAND_CATALOG.filter((spec) => spec.manifest !== 'unlisted' && spec.scopes.includes(scope)).length).toBeLessThanOrEqual(10);
    }
  });
});
