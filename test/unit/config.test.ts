import fs from 'node:fs';
import path from 'node:path';
import { BOT_FRAMEWORK_KEYS, SETTING_KEYS, loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';

const APP = '11111111-2222-4333-8444-555555555555';
const TENANT = '99999999-8888-4777-8666-555555555555';
const production = { MicrosoftAppId: APP, MicrosoftAppPassword: 'pw', MicrosoftAppTenantId: TENANT, DEFENDER_API: 'indicators', OAUTH_CONNECTION_NAME: 'sso' };

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('with no configuration at all runs local mode on loopback with the simulator', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('local');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3978, shutdownGraceMs: 20000 });
    expect(config.defender.api).toBe('simulator');
    expect(config.defender.filesUrl).toBe('https://graph.microsoft.com/testwdatppreview');
    expect(config.defender.indicatorsUrl).toBe('https://api.securitycenter.microsoft.com/api');
    expect(config.roles.localDirectoryPath).toMatch(/src\/identity\/sample-directory\.json$/);
    expect(config.allowedTenants).toEqual([]);
    expect(config.bot.frameworkSettings).toEqual({});
    expect(Object.isFrozen(config.defender)).toBe(true);
  });

  it('with an app id runs production, all interfaces, and allows only the app tenant by default', () => {
    const config = loadConfig(production);
    expect(config.mode).toBe('production');
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.allowedTenants).toEqual([TENANT]);
    expect(config.bot.frameworkSettings).toEqual({ MicrosoftAppId: APP, MicrosoftAppPassword: 'pw', MicrosoftAppTenantId: TENANT });
    expect(config.bot.loginUrl).toBe('https://login.microsoftonline.com/botframework.com');
    expect(config.roles.directory).toBe('graph');
    expect(config.signIn).toEqual({ connectionName: 'sso', pendingTimeoutMs: 300_000 });
    expect(config.graph).toEqual({ url: 'https://graph.microsoft.com', scope: 'https://graph.microsoft.com/.default' });
  });

  it('derives the Graph scope from a sovereign Graph URL unless given', () => {
    expect(loadConfig({ ...production, GRAPH_URL: 'https://graph.microsoft.us' }).graph.scope).toBe('https://graph.microsoft.us/.default');
    expect(loadConfig({ ...production, GRAPH_URL: 'http://127.0.0.1:1', GRAPH_SCOPE: 'https://graph.microsoft.com/.default' }).graph.scope).toBe(
      'https://graph.microsoft.com/.default',
    );
  });

  it('passes botbuilder endpoint overrides through unchanged', () => {
    const overrides = {
      ToBotFromChannelOpenIdMetadataUrl: 'http://127.0.0.1:1/v1/.well-known/openidconfiguration',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      ToBotFromEmulatorOpenIdMetadataUrl: 'http://127.0.0.1:1/emu',
      ToChannelFromBotLoginUrl: 'https://127.0.0.1:2/botframework.com/',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      OAuthUrl: 'http://127.0.0.1:3',
      ValidateAuthority: 'false',
      CallerId: 'urn:botframework:azure',
    };
    const config = loadConfig({ ...production, ...overrides });
    expect(config.bot.frameworkSettings).toMatchObject(overrides);
    expect(config.bot.loginUrl).toBe('https://127.0.0.1:2/botframework.com');
  });

  it('reports every bad key at once, with hints', () => {
    const found = problems({ PORT: 'eighty', DEFENDER_API: 'magic', DEFENDER_TIMEOUT_MS: '5', ALLOWED_TENANTS: 'contoso' });
    expect(found).toHaveLength(4);
    expect(found.join('\n')).toMatch(/PORT: .*whole number/);
    expect(found.join('\n')).toMatch(/DEFENDER_API: /);
    expect(found.join('\n')).toMatch(/DEFENDER_TIMEOUT_MS: .*100 to 120000/);
    expect(found.join('\n')).toMatch(/ALLOWED_TENANTS: .*GUIDs/);
  });

  it('refuses production without secret, tenant or Defender API, and never the simulator with auth on', () => {
    expect(problems({ MicrosoftAppId: APP })).toEqual([
      expect.stringMatching(/^MicrosoftAppPassword: required/),
      expect.stringMatching(/^OAUTH_CONNECTION_NAME: required/),
      expect.stringMatching(/^MicrosoftAppTenantId: required/),
      expect.stringMatching(/^DEFENDER_API: required/),
    ]);
    expect(problems({ ...production, DEFENDER_API: 'simulator' })).toEqual([expect.stringMatching(/simulator is for local mode only/)]);
  });

  it('refuses a real Defender API without the bot identity', () => {
    expect(problems({ DEFENDER_API: 'files' })).toEqual([expect.stringMatching(/^DEFENDER_API: files acts on a signed-in analyst's behalf/)]);
  });

  it('refuses mixed, unsafe set-ups: the local directory with authentication on, Graph without it', () => {
    expect(problems({ ...production, ROLE_DIRECTORY: 'local' })).toEqual([expect.stringMatching(/^ROLE_DIRECTORY: local .* for local mode only/)]);
    expect(problems({ ROLE_DIRECTORY: 'graph' })).toEqual([expect.stringMatching(/^ROLE_DIRECTORY: graph needs signed-in analysts/)]);
  });

  it('accepts a certificate instead of a secret, and checks the file exists', () => {
    const { MicrosoftAppPassword: _secret, ...withoutSecret } = production;
    expect(loadConfig({ ...withoutSecret, AAD_CLIENT_CERTIFICATE_PATH: __filename }).aad.clientCertificatePath).toBe(__filename);
    expect(problems({ ...withoutSecret, AAD_CLIENT_CERTIFICATE_PATH: '/nonexistent/cert.pem' })).toEqual([expect.stringMatching(/^AAD_CLIENT_CERTIFICATE_PATH: no file/)]);
  });

  it.each([',', ' , ', ',,,'])('refuses ALLOWED_TENANTS=%j, which names no tenant, in production and in local mode', (value) => {
    expect(problems({ ...production, ALLOWED_TENANTS: value })).toEqual([
      expect.stringMatching(/^ALLOWED_TENANTS: names no tenant .*leave it unset to serve only MicrosoftAppTenantId/),
    ]);
    expect(problems({ ALLOWED_TENANTS: value })).toEqual([expect.stringMatching(/^ALLOWED_TENANTS: names no tenant/)]);
  });

  it('keeps a list of tenants, trimmed and lower-cased, and the app tenant when unset or blank', () => {
    const other = 'AAAAAAAA-0000-4000-8000-000000000001';
    expect(loadConfig({ ...production, ALLOWED_TENANTS: ` ${other} ,${TENANT},` }).allowedTenants).toEqual([other.toLowerCase(), TENANT]);
    expect(loadConfig({ ...production, ALLOWED_TENANTS: '  ' }).allowedTenants).toEqual([TENANT]);
  });

  it.each(['0.0.0.0', '::', '10.1.2.3', 'bot.contoso.example', '[::]'])('refuses HOST=%s in local mode, where inbound authentication is off', (host) => {
    expect(problems({ HOST: host })).toEqual([
      expect.stringMatching(new RegExp(`^HOST: ${host.replace(/[[\]]/g, '\\$&')} would let other machines reach .*authentication is off.*set MicrosoftAppId`)),
    ]);
  });

  it.each(['127.0.0.1', '127.0.0.53', '::1', 'localhost', 'LOCALHOST'])('accepts the loopback HOST=%s in local mode', (host) => {
    expect(loadConfig({ HOST: host }).http.host).toBe(host);
  });

  it('downloads attached files from the SharePoint/OneDrive hosts of the public and government clouds by default, or from the hosts listed', () => {
    expect(loadConfig(production).files.downloadHosts).toEqual(['.sharepoint.com', '.sharepoint.us', '.sharepoint-mil.us', '.sharepoint.cn']);
    expect(loadConfig({ ...production, FILE_DOWNLOAD_HOSTS: ' ' }).files.downloadHosts).toEqual(['.sharepoint.com', '.sharepoint.us', '.sharepoint-mil.us', '.sharepoint.cn']);
    expect(loadConfig({ ...production, FILE_DOWNLOAD_HOSTS: '.SharePoint.com, files.contoso.example' }).files.downloadHosts).toEqual(['.sharepoint.com', 'files.contoso.example']);
    expect(problems({ ...production, FILE_DOWNLOAD_HOSTS: 'https://contoso.sharepoint.com' })[0]).toMatch(
      /^FILE_DOWNLOAD_HOSTS: must be a comma-separated list of host names or suffixes/,
    );
    expect(problems({ ...production, FILE_DOWNLOAD_HOSTS: '.com' })[0]).toMatch(/^FILE_DOWNLOAD_HOSTS:/);
    expect(problems({ ...production, FILE_DOWNLOAD_HOSTS: '*' })[0]).toMatch(/^FILE_DOWNLOAD_HOSTS:/);
  });

  it('binds any interface in production, where every request must carry a channel token', () => {
    expect(loadConfig({ ...production, HOST: '10.1.2.3' }).http.host).toBe('10.1.2.3');
  });

  it('refuses a partial set of endpoint overrides', () => {
    expect(problems({ ...production, OAuthUrl: 'http://127.0.0.1:3' })).toEqual([expect.stringMatching(/set all of/)]);
  });
});

describe('.env.sample', () => {
  const sample = fs.readFileSync(path.join(__dirname, '../../.env.sample'), 'utf8');
  const documented = new Set(
    sample
      .split('\n')
      .map((line) => /^([A-Za-z_]+)=/.exec(line)?.[1])
      .filter(Boolean),
  );

  it('documents every setting the bot reads', () => {
    expect([...SETTING_KEYS, ...BOT_FRAMEWORK_KEYS].filter((key) => !documented.has(key))).toEqual([]);
  });

  it('documents nothing the bot does not read', () => {
    const known = new Set<string>([...SETTING_KEYS, ...BOT_FRAMEWORK_KEYS]);
    expect([...documented].filter((key) => !known.has(key!))).toEqual([]);
  });

  it('starts local mode as it stands (safe defaults, no secrets)', () => {
    const env = Object.fromEntries(
      sample.split('\n').flatMap((line) => {
        const m = /^([A-Za-z_]+)=(.*)$/.exec(line);
        return m ? [[m[1], m[2]]] : [];
      }),
    );
    const config = loadConfig(env);
    expect(config.mode).toBe('local');
    expect(config.defender.api).toBe('simulator');
  });
  it('limits each person to 30 commands and 60 presses a minute in production, and not at all in local mode unless set', () => {
    const perMinute = (env: NodeJS.ProcessEnv) => {
      const { commands, presses } = loadConfig(env).fairUse;
      return [commands.perMinute, presses.perMinute];
    };
    expect(perMinute(production)).toEqual([30, 60]);
    expect(perMinute({ ...production, RATE_COMMANDS_PER_MINUTE: '', RATE_CARD_PRESSES_PER_MINUTE: ' ' })).toEqual([30, 60]);
    expect(perMinute({})).toEqual([0, 0]);
    expect(perMinute({ RATE_COMMANDS_PER_MINUTE: '5', RATE_CARD_PRESSES_PER_MINUTE: '7' })).toEqual([5, 7]);
    expect(perMinute({ ...production, RATE_COMMANDS_PER_MINUTE: '0' })).toEqual([0, 60]);
  });
});
