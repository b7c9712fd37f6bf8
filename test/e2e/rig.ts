import path from 'node:path';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { FakeChannel } from '../fakes/fake-channel';
import { CONNECTOR_AUDIENCE, FakeConnector, type ConnectorRequest } from '../fakes/fake-connector';
import { FakeDefender } from '../fakes/fake-defender';
import { FakeEntra } from '../fakes/fake-entra';
import { createTestCa, trustTestCa } from '../fakes/test-ca';
import { TENANT_ID } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';

export const BOT_APP_ID = '6d1c0c9e-5f2a-4c1b-9a8e-0b7c3d2e1f00';
const BOT_SECRET = 'test-secret-not-real';
export const INDICATORS_AUDIENCE = 'https://api.securitycenter.microsoft.com';
export const FILES_AUDIENCE = 'https://graph.microsoft.com';

/** Everything an end-to-end test talks to: the real bot and fake Microsoft services on loopback. */
export interface Rig {
  readonly app: RunningApp;
  readonly entra: FakeEntra;
  readonly channel: FakeChannel;
  readonly connector: FakeConnector;
  readonly defender: FakeDefender;
  /** Posts an activity to the bot, signed by the fake channel unless told otherwise. */
  send(activity: Record<string, unknown>, options?: Parameters<FakeChannel['post']>[2]): ReturnType<FakeChannel['post']>;
  /** Waits for the bot's next message (not typing) that replies in the activity's conversation. */
  reply(activity: Record<string, unknown>, timeoutMs?: number): Promise<ConnectorRequest>;
  stop(): Promise<void>;
}

/** Starts the fakes and the real bot (restify, CloudAdapter with auth on, @azure/identity). */
export async function startRig(options: { defenderApi: 'files' | 'indicators'; env?: Record<string, string> }): Promise<Rig> {
  const ca = createTestCa();
  const untrust = trustTestCa(ca.caPem);
  const entra = await new FakeEntra({ ca }).start();
  entra.registerApp({
    clientId: BOT_APP_ID,
    clientSecret: BOT_SECRET,
    appRoles: { [INDICATORS_AUDIENCE]: ['Ti.ReadWrite.All'], [FILES_AUDIENCE]: ['File.Read.All', 'Ti.ReadWrite.All'] },
  });
  const channel = await new FakeChannel({ appId: BOT_APP_ID }).start();
  const connector = await new FakeConnector({
    verify: (token) => entra.verify(token, { audience: CONNECTOR_AUDIENCE }) as Promise<Record<string, unknown>>,
    expectedAppId: BOT_APP_ID,
  }).start();
  const defender = new FakeDefender({ verify: (token, audience) => entra.verify(token, { audience }) as Promise<Record<string, unknown>> });
  await defender.start();
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
    MicrosoftAppId: BOT_APP_ID,
    MicrosoftAppPassword: BOT_SECRET,
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: TENANT_ID,
    ToBotFromChannelOpenIdMetadataUrl: channel.metadataUrl,
    ToBotFromChannelTokenIssuer: channel.issuer,
    ToBotFromEmulatorOpenIdMetadataUrl: channel.emulatorMetadataUrl,
    ToChannelFromBotLoginUrl: `${entra.url}/botframework.com`,
    ToChannelFromBotOAuthScope: CONNECTOR_AUDIENCE,
    OAuthUrl: 'http://127.0.0.1:9',
    ValidateAuthority: 'false',
    AAD_AUTHORITY_HOST: entra.url,
    DEFENDER_API: options.defenderApi,
    DEFENDER_FILES_URL: defender.filesUrl,
    DEFENDER_INDICATORS_URL: defender.indicatorsUrl,
    DEFENDER_TIMEOUT_MS: '2000',
    DEFENDER_MAX_RETRY_AFTER_SECONDS: '5',
    LOCAL_DIRECTORY_PATH: path.join(__dirname, '../fixtures/directory.json'),
    ...options.env,
  });
  const app = await startApp(config, createLogger(config.logLevel));
  const botUrl = `${app.url}/api/messages`;
  return {
    app,
    entra,
    channel,
    connector,
    defender,
    send: (activity, postOptions) => channel.post(botUrl, activity, postOptions),
    reply: (activity, timeoutMs = 10_000) => {
      const conversationId = (activity.conversation as { id: string }).id;
      return connector.waitFor(
        (r) => r.method === 'POST' && r.conversationId === conversationId && (r.body as { type?: string })?.type === 'message',
        timeoutMs,
      );
    },
    async stop() {
      await app.stop();
      await Promise.all([defender.close(), connector.close(), channel.close(), entra.close()]);
      untrust();
    },
  };
}

/** The visible texts of the card(s) in a connector request. */
export function replyTexts(request: ConnectorRequest): string[] {
  const body = request.body as { attachments?: Array<{ content: unknown }> };
  return cardTexts(body.attachments?.map((a) => a.content) ?? []);
}
