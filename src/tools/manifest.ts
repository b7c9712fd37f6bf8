import { COMMAND_CATALOG } from '../commands/catalog';
import { ALL_SCOPES, type CommandSpec, type ManifestCommand, type Scope } from '../commands/command-spec';

/** Values filled into the `${{NAME}}` placeholders of appPackage/manifest.json. */
export interface ManifestValues {
  readonly botId: string;
  readonly teamsAppId: string;
  readonly botDomain: string;
}

const PLACEHOLDER = /\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Teams shows at most this many commands in one scope. */
export const MAX_COMMANDS_PER_SCOPE = 10;

/** One entry of a bot's `commandLists`. */
export interface CommandList {
  readonly scopes: readonly Scope[];
  readonly commands: readonly ManifestCommand[];
}

/**
 * Fills the placeholders of the manifest template, parses it and gives each bot the command lists of
 * the catalog; throws naming any placeholder left without a value.
 */
export function renderManifest(template: string, values: ManifestValues): Record<string, unknown> {
  const byName: Readonly<Record<string, string>> = {
    BOT_ID: values.botId.trim(),
    TEAMS_APP_ID: values.teamsAppId.trim(),
    BOT_DOMAIN: values.botDomain.trim(),
  };
  if (byName.BOT_DOMAIN && !HOST_NAME.test(byName.BOT_DOMAIN)) {
    throw new Error(`Manifest value BOT_DOMAIN "${values.botDomain}" must be a bare host name such as bot.contoso.com (no scheme, port or path)`);
  }

  const unfilled = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(byName, name) ? byName[name] : '';
    if (!value) {
      unfilled.add(whole);
      return whole;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (unfilled.size > 0) {
    throw new Error(`Manifest template has placeholders with no value: ${[...unfilled].join(', ')}`);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`Manifest template is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(parsed)) throw new Error('Manifest template must be a JSON object');
  return withCommandLists(parsed);
}

/** For each of `scopes`, the catalog's listed commands offered there, in catalog order; throws past Teams' limit. */
export function commandListsFor(scopes: readonly Scope[], catalog: readonly CommandSpec[] = COMMAND_CATALOG): CommandList[] {
  return scopes.flatMap((scope) => {
    const commands = catalog.flatMap((spec) =>
      spec.manifest !== 'unlisted' && spec.scopes.includes(scope) ? [{ title: spec.manifest.title, description: spec.manifest.description }] : [],
    );
    if (commands.length > MAX_COMMANDS_PER_SCOPE) {
      throw new Error(`The ${scope} scope would list ${commands.length} commands (${commands.map((c) => c.title).join(', ')}); Teams allows at most ${MAX_COMMANDS_PER_SCOPE}`);
    }
    return commands.length > 0 ? [{ scopes: [scope], commands }] : [];
  });
}

function withCommandLists(manifest: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(manifest.bots)) return manifest;
  const bots = manifest.bots.map((bot: unknown) => {
    if (!isObject(bot)) return bot;
    if ('commandLists' in bot) throw new Error('Manifest template must not list bot commands; they come from the command catalog (src/commands/catalog)');
    const scopes = ALL_SCOPES.filter((scope) => Array.isArray(bot.scopes) && bot.scopes.includes(scope));
    const commandLists = commandListsFor(scopes);
    return commandLists.length > 0 ? { ...bot, commandLists } : bot;
  });
  return { ...manifest, bots };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
