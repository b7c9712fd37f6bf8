import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import AdmZip from 'adm-zip';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { COMMAND_CATALOG } from '../../src/commands/catalog';
import type { CommandSpec, Scope } from '../../src/commands/command-spec';
import { loadPackageSettings } from '../../src/package-settings';
import { projectRoot } from '../../src/project-root';
import { commandListsFor, MAX_COMMANDS_PER_SCOPE, renderManifest, type ManifestValues } from '../../src/tools/manifest';
import { packageApp, PLACEHOLDER_BOT_ID } from '../../src/tools/package-app';
import { MESSAGE_ACTION_ID } from '../../src/bot/message-action-protocol';
import { MESSAGE_ACTION_TITLE } from '../../src/cards/message-action-views';

const APP_PACKAGE = path.join(projectRoot(), 'appPackage');
const TEMPLATE = fs.readFileSync(path.join(APP_PACKAGE, 'manifest.json'), 'utf8');
const VALUES: ManifestValues = {
  botId: '11111111-2222-4333-8444-555555555555',
  teamsAppId: '66666666-7777-4888-9999-000000000000',
  botDomain: 'bot.contoso.com',
};
const SCOPES: Scope[] = ['personal', 'team', 'groupChat'];

interface Command {
  title: string;
  description?: string;
}
interface Bot {
  botId: string;
  scopes: string[];
  supportsFiles: boolean;
  isNotificationOnly: boolean;
  commandLists: { scopes: string[]; commands: Command[] }[];
}

/** What the catalog lists in `scope`, in catalog order. */
function catalogCommandsIn(scope: Scope): Command[] {
  return COMMAND_CATALOG.flatMap((spec) => (spec.manifest !== 'unlisted' && spec.scopes.includes(scope) ? [{ ...spec.manifest }] : []));
}

function validatorFor(manifestVersion: string) {
  const schemaDir = path.join(path.dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build/json-schemas/teams');
  const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, `v${manifestVersion}`, 'MicrosoftTeams.schema.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

interface Png {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  pixels: Buffer;
}

function readPng(file: string): Png {
  const bytes = fs.readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  if (!header) throw new Error(`${file}: no IHDR chunk`);
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bitDepth = header[8];
  const colorType = header[9];
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType] ?? 0;
  const pixels = bitDepth === 8 && channels > 0 ? unfilter(zlib.inflateSync(Buffer.concat(data)), width, height, channels) : Buffer.alloc(0);
  return { width, height, colorType, bitDepth, pixels };
}

function unfilter(raw: Buffer, width: number, height: number, bpp: number): Buffer {
  const stride = width * bpp;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x];
      const a = x >= bpp ? out[y * stride + x - bpp] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      out[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return out;
}

describe('app manifest', () => {
  const manifest = renderManifest(TEMPLATE, VALUES);
  const bot = (manifest.bots as Bot[])[0];

  it('is valid against the official schema of the version it declares', () => {
    const version = manifest.manifestVersion as string;
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
    const validate = validatorFor(version);
    expect(validate(manifest) ? [] : validate.errors).toEqual([]);
  });

  it('is also valid with the local-mode defaults (placeholder ids, localhost)', () => {
    const local = renderManifest(TEMPLATE, { botId: PLACEHOLDER_BOT_ID, teamsAppId: PLACEHOLDER_BOT_ID, botDomain: 'localhost' });
    const validate = validatorFor(local.manifestVersion as string);
    expect(validate(local) ? [] : validate.errors).toEqual([]);
  });

  it('is checked by a schema that rejects a broken manifest', () => {
    const broken = { ...manifest, bots: [{ ...bot, botId: 'not-a-guid' }], unknownProperty: true };
    const validate = validatorFor(manifest.manifestVersion as string);
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath || error.params)).toEqual(expect.arrayContaining(['/bots/0/botId', { additionalProperty: 'unknownProperty' }]));
  });

  it('declares a current manifest version', () => {
    expect(Number((manifest.manifestVersion as string).split('.')[1])).toBeGreaterThanOrEqual(24);
  });

  it('uses the Teams app id and names the product', () => {
    expect(manifest.id).toBe(VALUES.teamsAppId);
    expect(manifest.name).toEqual({ short: 'Defender Block Bot', full: 'Defender Block Bot: block malicious files from Teams' });
    expect((manifest.developer as Record<string, string>).privacyUrl).toBe('https://bot.contoso.com/privacy');
    expect((manifest.description as Record<string, string>).full).toMatch(/Security Administrator or Global Administrator/);
  });

  it('has one conversational bot with the bot id in personal, team and group chat scopes', () => {
    expect(manifest.bots).toHaveLength(1);
    expect(bot.botId).toBe(VALUES.botId);
    expect([...bot.scopes].sort()).toEqual([...SCOPES].sort());
    expect(bot.supportsFiles).toBe(true);
    expect(bot.isNotificationOnly).toBe(false);
  });

  it.each(SCOPES)('lists in the %s scope the catalog commands offered there, in catalog order, at most 10', (scope) => {
    const lists = bot.commandLists.filter((list) => list.scopes.includes(scope));
    expect(lists).toHaveLength(1);
    expect(lists[0].scopes).toEqual([scope]);
    expect(lists[0].commands).toEqual(catalogCommandsIn(scope));
    expect(lists[0].commands.length).toBeGreaterThan(0);
    expect(lists[0].commands.length).toBeLessThanOrEqual(10);
  });

  it('takes the command lists from the catalog only, never from the template', () => {
    expect((JSON.parse(TEMPLATE).bots as Record<string, unknown>[]).filter((b) => 'commandLists' in b)).toEqual([]);
    const handWritten = TEMPLATE.replace('"supportsFiles": true,', '"supportsFiles": true, "commandLists": [],');
    expect(handWritten).not.toBe(TEMPLATE);
    expect(() => renderManifest(handWritten, VALUES)).toThrow(/must not list bot commands; they come from the command catalog/);
  });

  it('carries SSO details for the bot app and the domains it needs', () => {
    expect(manifest.webApplicationInfo).toEqual({ id: VALUES.botId, resource: `api://botid-${VALUES.botId}` });
    expect(manifest.validDomains).toEqual(expect.arrayContaining(['bot.contoso.com', 'token.botframework.com']));
  });

  it('offers "Block files in this message" on messages: an action command of the bot that fetches its dialog from the bot', () => {
    expect(manifest.composeExtensions).toEqual([
      {
        botId: VALUES.botId,
        commands: [
          {
            id: MESSAGE_ACTION_ID,
            type: 'action',
            title: MESSAGE_ACTION_TITLE,
            description: expect.stringMatching(/hashes in this message/),
            context: ['message'],
            fetchTask: true,
          },
        ],
      },
    ]);
  });

  it('points at the icons shipped in appPackage', () => {
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
  });
});

describe('renderManifest', () => {
  it('names every placeholder left without a value', () => {
    const template = '{"id": "${{TEAMS_APP_ID}}", "a": "${{SOMETHING_ELSE}}", "b": "${{ANOTHER}}"}';
    expect(() => renderManifest(template, VALUES)).toThrow('Manifest template has placeholders with no value: ${{SOMETHING_ELSE}}, ${{ANOTHER}}');
  });

  it('treats an empty value as missing', () => {
    expect(() => renderManifest(TEMPLATE, { ...VALUES, botId: '  ' })).toThrow(/no value: \$\{\{BOT_ID\}\}/);
  });

  it.each(['https://bot.contoso.com', 'bot.contoso.com/api', 'bot.contoso.com:443', 'bot contoso'])('rejects the bot domain %p', (botDomain) => {
    expect(() => renderManifest(TEMPLATE, { ...VALUES, botDomain })).toThrow(/BOT_DOMAIN .* must be a bare host name/);
  });

  it('reports a template that is not JSON', () => {
    expect(() => renderManifest('{"id": "${{TEAMS_APP_ID}}",', VALUES)).toThrow(/Manifest template is not valid JSON/);
  });
});

describe('commandListsFor', () => {
  const listed = (title: string, scopes: readonly Scope[]): CommandSpec => ({ ...COMMAND_CATALOG[0], name: title, scopes, manifest: { title, description: `${title}: test` } });
  const many = (count: number) => Array.from({ length: count }, (_, i) => listed(`c${i}`, ['personal']));

  it('lists a command only in the scopes it is offered in, and leaves out unlisted ones and empty scopes', () => {
    const catalog = [listed('a', ['personal', 'team']), { ...listed('b', ['personal']), manifest: 'unlisted' as const }, listed('c', ['team'])];
    expect(commandListsFor(SCOPES, catalog)).toEqual([
      { scopes: ['personal'], commands: [{ title: 'a', description: 'a: test' }] },
      {
        scopes: ['team'],
        commands: [
          { title: 'a', description: 'a: test' },
          { title: 'c', description: 'c: test' },
        ],
      },
    ]);
  });

  it(`accepts ${MAX_COMMANDS_PER_SCOPE} commands in a scope and refuses one more`, () => {
    expect(MAX_COMMANDS_PER_SCOPE).toBe(10);
    expect(commandListsFor(SCOPES, many(10))[0].commands).toHaveLength(10);
    expect(() => commandListsFor(SCOPES, many(11))).toThrow(/The personal scope would list 11 commands \(c0, .*c10\); Teams allows at most 10/);
  });
});

describe('app icons', () => {
  it('has a 192x192 colour icon', () => {
    const png = readPng(path.join(APP_PACKAGE, 'color.png'));
    expect([png.width, png.height]).toEqual([192, 192]);
    expect([2, 6]).toContain(png.colorType);
  });

  it('has a 32x32 outline icon that is only white or transparent, with a transparent background', () => {
    const png = readPng(path.join(APP_PACKAGE, 'outline.png'));
    expect([png.width, png.height, png.bitDepth, png.colorType]).toEqual([32, 32, 8, 6]);
    let transparent = 0;
    let opaque = 0;
    const offWhite: number[] = [];
    for (let i = 0; i < png.pixels.length; i += 4) {
      const [r, g, b, alpha] = png.pixels.subarray(i, i + 4);
      if (alpha === 0) transparent++;
      else if (r !== 255 || g !== 255 || b !== 255) offWhite.push(i / 4);
      if (alpha === 255) opaque++;
    }
    expect(offWhite).toEqual([]);
    expect(transparent).toBeGreaterThan(0);
    expect(opaque).toBeGreaterThan(0);
    const corners = [0, 31, 32 * 31, 32 * 32 - 1].map((p) => png.pixels[p * 4 + 3]);
    expect(corners).toEqual([0, 0, 0, 0]);
  });
});

describe('packageApp', () => {
  let outDir: string;
  beforeEach(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-package-'));
  });
  afterEach(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('writes a zip with exactly the manifest and the two icons at the root', () => {
    const settings = loadPackageSettings({ MicrosoftAppId: VALUES.botId, BOT_DOMAIN: 'bot.contoso.com' });
    const result = packageApp(settings, outDir);

    expect(result.zipPath).toBe(path.join(outDir, 'appPackage.zip'));
    expect(result.warnings).toEqual([]);
    const zip = new AdmZip(result.zipPath);
    expect(
      zip
        .getEntries()
        .map((entry) => entry.entryName)
        .sort(),
    ).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const packaged = JSON.parse(zip.readAsText('manifest.json'));
    expect(packaged.bots[0].botId).toBe(VALUES.botId);
    expect(packaged.id).toBe(VALUES.botId);
    expect(packaged.validDomains).toContain('bot.contoso.com');
    expect(packaged.bots[0].commandLists).toEqual(SCOPES.map((scope) => ({ scopes: [scope], commands: catalogCommandsIn(scope) })));
    expect(zip.readFile('outline.png')).toEqual(fs.readFileSync(path.join(APP_PACKAGE, 'outline.png')));
    expect(zip.readFile('color.png')).toEqual(fs.readFileSync(path.join(APP_PACKAGE, 'color.png')));
  });

  it('still builds without a bot app id, using the placeholder and warning that Teams will not accept it', () => {
    const result = packageApp(loadPackageSettings({}), outDir);

    const packaged = JSON.parse(new AdmZip(result.zipPath).readAsText('manifest.json'));
    expect(packaged.bots[0].botId).toBe(PLACEHOLDER_BOT_ID);
    expect(packaged.webApplicationInfo.resource).toBe(`api://botid-${PLACEHOLDER_BOT_ID}`);
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/MicrosoftAppId is not set.*until MicrosoftAppId is set/)]));
  });
});
