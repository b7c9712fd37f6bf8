import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { FakeChannel } from '../fakes/fake-channel';
import { CONNECTOR_AUDIENCE, FakeConnector, type ConnectorRequest } from '../fakes/fake-connector';
import { FakeDefender } from '../fakes/fake-defender';
import { FakeEntra } from '../fakes/fake-entra';
import { FakeGraph } from '../fakes/fake-graph';
import { FakeTokenService } from '../fakes/fake-token-service';
import { createTestCa, trustTestCa } from '../fakes/test-ca';
import { TENANT_ID, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';

export const BOT_APP_ID = '6d1c0c9e-5f2a-4c1b-9a8e-0b7c3d2e1f00';
const BOT_SECRET = 'test-secret-not-real';
export const INDICATORS_AUDIENCE = 'https://api.securitycenter.microsoft.com';
export const FILES_AUDIENCE = 'https://graph.microsoft.com';
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const CONNECTION = 'defender-sso';
export const SSO_RESOURCE = `api://botid-${BOT_APP_ID}`;

/** Everything an end-to-end test talks to: the real bot and fake Microsoft services on loopback. */
export interface Rig {
  /** The running bot (replaced by restart()). */
  readonly app: RunningApp;
  /** Stops the bot and starts it again on the same data folder (a process restart). */
  restart(): Promise<void>;
  /** The environment the bot was configured from (to start more instances of it). */
  readonly env: Readonly<Record<string, string>>;
  /** The test CA that signs the fake Entra's certificate (PEM). */
  readonly caPem: string;
  readonly entra: FakeEntra;
  readonly channel: FakeChannel;
  readonly connector: FakeConnector;
  readonly defender: FakeDefender;
  readonly graph: FakeGraph;
  readonly tokens: FakeTokenService;
  /** Signs `user` in (the token service holds their token) with these directory roles; returns the token. */
  signIn(user: TeamsUser, roles: readonly string[]): Promise<string>;
  /** A token as Teams SSO would hand it to the bot for `user`. */
  ssoToken(user: TeamsUser): Promise<string>;
  /** Posts an activity to the bot, signed by the fake channel unless told otherwise. */
  send(activity: Record<string, unknown>, options?: Parameters<FakeChannel['post']>[2]): ReturnType<FakeChannel['post']>;
  /** Waits for the bot's next message (not typing) that replies in the activity's conversation. */
  reply(activity: Record<string, unknown>, timeoutMs?: number): Promise<ConnectorRequest>;
  stop(): Promise<void>;
}

/** Starts the fakes and the real bot (restify, CloudAdapter with auth on, @azure/identity). */
export async function startRig(options: {
  defenderApi: 'files' | 'indicators';
  env?: Record<string, string>;
  graphPageSize?: number;
  /** Authenticate the bot with a certificate (AAD_CLIENT_CERTIFICATE_PATH) instead of a secret. */
  certificate?: boolean;
}): Promise<Rig> {
  const ca = createTestCa();
  const untrust = trustTestCa(ca.caPem);
  const entra = await new FakeEntra({ ca }).start();
  const certificate = options.certificate ? ca.issue(['defender-block-bot']) : undefined;
  const certificatePath = certificate ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bot-cert-')), 'bot.pem') : undefined;
  if (certificate && certificatePath) fs.writeFileSync(certificatePath, certificate.certPem + certificate.keyPem, { mode: 0o600 });
  entra.registerApp({
    clientId: BOT_APP_ID,
    clientSecret: certificate ? undefined : BOT_SECRET,
    certificatePem: certificate?.certPem,
    identifierUris: [SSO_RESOURCE],
    grantedScopes: { [GRAPH_AUDIENCE]: ['User.Read'], [INDICATORS_AUDIENCE]: ['Ti.ReadWrite', 'File.Read.All', 'Machine.Read', 'Machine.StopAndQuarantine'] },
  });
  const verify = (token: string, audience: string) => entra.verify(token, { audience }) as Promise<Record<string, unknown>>;
  const graph = new FakeGraph({ verify, pageSize: options.graphPageSize ?? 100 });
  await graph.start();
  const tokens = new FakeTokenService({ verify, botAppId: BOT_APP_ID, connections: { [CONNECTION]: { tokenExchangeUri: SSO_RESOURCE } } });
  await tokens.start();
  const channel = await new FakeChannel({ appId: BOT_APP_ID }).start();
  const connector = await new FakeConnector({
    verify: (token) => entra.verify(token, { audience: CONNECTOR_AUDIENCE }),
    expectedAppId: BOT_APP_ID,
  }).start();
  const defender = new FakeDefender({ verify });
  await defender.start();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-data-'));
  const env: Record<string, string> = {
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
    MicrosoftAppId: BOT_APP_ID,
    ...(certificatePath ? { AAD_CLIENT_CERTIFICATE_PATH: certificatePath } : { MicrosoftAppPassword: BOT_SECRET }),
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: TENANT_ID,
    ToBotFromChannelOpenIdMetadataUrl: channel.metadataUrl,
    ToBotFromChannelTokenIssuer: channel.issuer,
    ToBotFromEmulatorOpenIdMetadataUrl: channel.emulatorMetadataUrl,
    ToChannelFromBotLoginUrl: `${entra.url}/botframework.com`,
    ToChannelFromBotOAuthScope: CONNECTOR_AUDIENCE,
    OAuthUrl: tokens.url,
    OAUTH_CONNECTION_NAME: CONNECTION,
    GRAPH_URL: graph.url,
    GRAPH_SCOPE: `${GRAPH_AUDIENCE}/.default`,
    ValidateAuthority: 'false',
    AAD_AUTHORITY_HOST: entra.url,
    DEFENDER_API: options.defenderApi,
    DEFENDER_FILES_URL: defender.filesUrl,
    DEFENDER_INDICATORS_URL: defender.indicatorsUrl,
    DEFENDER_TIMEOUT_MS: '2000',
    DEFENDER_MAX_RETRY_AFTER_SECONDS: '5',
    ...options.env,
  };
  const config = loadConfig(env);
  let app = await startApp(config, createLogger(config.logLevel));
  const botUrl = () => `${app.url}/api/messages`;
  const ssoToken = (user: TeamsUser) => entra.mintUserToken({ oid: user.aadObjectId, upn: upnOf(user), name: user.name, tid: TENANT_ID, aud: SSO_RESOURCE, scp: 'access_as_user' });
  return {
    get app() {
      return app;
    },
    env,
    caPem: ca.caPem,
    async restart() {
      await app.stop();
      app = await startApp(config, createLogger(config.logLevel));
    },
    entra,
    channel,
    connector,
    defender,
    graph,
    tokens,
    ssoToken,
    async signIn(user, roles) {
      const token = await ssoToken(user);
      tokens.grantToken(user.id, CONNECTION, token);
      graph.setRoles(user.aadObjectId, [...roles]);
      return token;
    },
    send: (activity, postOptions) => channel.post(botUrl(), activity, postOptions),
    reply: (activity, timeoutMs = 10_000) => {
      const conversationId = (activity.conversation as { id: string }).id;
      return connector.waitFor((r) => r.method === 'POST' && r.conversationId === conversationId && (r.body as { type?: string })?.type === 'message', timeoutMs);
    },
    async stop() {
      await app.stop();
      await Promise.all([defender.close(), connector.close(), channel.close(), graph.close(), tokens.close(), entra.close()]);
      untrust();
      if (certificatePath) fs.rmSync(path.dirname(certificatePath), { recursive: true, force: true });
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The user principal name the fakes give a test user. */
export function upnOf(user: TeamsUser): string {
  return `${user.name.split(' ')[0].toLowerCase()}@contoso.example`;
}

/** The visible texts of the card(s) in a connector request. */
export function replyTexts(request: ConnectorRequest): string[] {
  const body = request.body as { attachments?: Array<{ content: unknown }> };
  return cardTexts(body.attachments?.map((a) => a.content) ?? []);
}
