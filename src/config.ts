import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors';
import { projectRoot } from './project-root';
import { schema } from './config-schema';
import type { Config, DefenderApiKind } from './config-types';

/** botbuilder's own settings, passed through unchanged to ConfigurationBotFrameworkAuthentication. */
export const BOT_FRAMEWORK_KEYS = [
  'MicrosoftAppId',
  'MicrosoftAppPassword',
  'MicrosoftAppType',
  'MicrosoftAppTenantId',
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromChannelTokenIssuer',
  'ToBotFromEmulatorOpenIdMetadataUrl',
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'OAuthUrl',
  'ValidateAuthority',
  'CallerId',
] as const;

/** Endpoint overrides: botbuilder takes all of them as given as soon as one is set. */
const ENDPOINT_OVERRIDES = [
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromChannelTokenIssuer',
  'ToBotFromEmulatorOpenIdMetadataUrl',
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'OAuthUrl',
] as const;

const PUBLIC_BOT_LOGIN_URL = 'https://login.microsoftonline.com/botframework.com';
const PUBLIC_BOT_OAUTH_SCOPE = 'https://api.botframework.com';

/** Every setting the bot reads besides botbuilder's own (BOT_FRAMEWORK_KEYS). */
export const SETTING_KEYS: readonly string[] = Object.keys(schema.shape);

/** Reads and validates the environment once; reports every bad or missing key at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const mode = e.MicrosoftAppId ? 'production' : 'local';
  const api: DefenderApiKind = e.DEFENDER_API ?? (mode === 'local' ? 'simulator' : 'indicators');

  const overridesSet = ENDPOINT_OVERRIDES.filter((k) => raw[k] !== undefined);
  if (overridesSet.length > 0 && overridesSet.length < ENDPOINT_OVERRIDES.length) {
    const missing = ENDPOINT_OVERRIDES.filter((k) => raw[k] === undefined);
    problems.push(
      `${missing.join(', ')}: missing; once one endpoint override is set botbuilder takes all of them as given, so set all of ${ENDPOINT_OVERRIDES.join(', ')} (or none)`,
    );
  }

  if (mode === 'production') {
    if (e.MicrosoftAppType === 'UserAssignedMsi') {
      problems.push('MicrosoftAppType: UserAssignedMsi is not supported; use SingleTenant or MultiTenant with MicrosoftAppPassword');
    }
    if (!e.MicrosoftAppPassword && !e.AAD_CLIENT_CERTIFICATE_PATH) {
      problems.push("MicrosoftAppPassword: required when MicrosoftAppId is set (the bot's client secret), unless AAD_CLIENT_CERTIFICATE_PATH names a certificate");
    }
    if (!e.OAUTH_CONNECTION_NAME) {
      problems.push('OAUTH_CONNECTION_NAME: required when MicrosoftAppId is set; the name of the OAuth connection on the Azure Bot resource that signs analysts in');
    }
    if (e.ROLE_DIRECTORY === 'local') {
      problems.push('ROLE_DIRECTORY: local trusts a file instead of the directory and is for local mode only; with MicrosoftAppId set use graph (the default)');
    }
    if (!e.MicrosoftAppTenantId) {
      problems.push('MicrosoftAppTenantId: required when MicrosoftAppId is set (the tenant whose Defender the bot drives)');
    }
    if (!e.DEFENDER_API) {
      problems.push('DEFENDER_API: required when MicrosoftAppId is set; one of files, indicators');
    } else if (api === 'simulator') {
      problems.push('DEFENDER_API: simulator is for local mode only; with MicrosoftAppId set choose files or indicators, so that a "blocked" answer is real');
    }
  } else {
    if (api !== 'simulator') {
      problems.push(
        `DEFENDER_API: ${api} acts on a signed-in analyst's behalf, which needs the bot's identity; set MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId and OAUTH_CONNECTION_NAME, or use simulator`,
      );
    }
    if (e.ROLE_DIRECTORY === 'graph') {
      problems.push('ROLE_DIRECTORY: graph needs signed-in analysts, which needs MicrosoftAppId and OAUTH_CONNECTION_NAME; local mode uses the local directory');
    }
    if (e.HOST && !isLoopback(e.HOST)) {
      problems.push(
        `HOST: ${e.HOST} would let other machines reach a bot whose inbound authentication is off (local mode); use 127.0.0.1, ::1 or localhost, or set MicrosoftAppId (and the rest of the production settings) to turn authentication on`,
      );
    }
  }
  if (e.STORAGE === 'azure-blob' && !e.AZURE_STORAGE_CONNECTION_STRING) {
    problems.push('AZURE_STORAGE_CONNECTION_STRING: required with STORAGE=azure-blob (the storage account shared by every bot instance)');
  }
  if (e.AAD_CLIENT_CERTIFICATE_PATH && !fs.existsSync(e.AAD_CLIENT_CERTIFICATE_PATH)) {
    problems.push(`AAD_CLIENT_CERTIFICATE_PATH: no file at ${e.AAD_CLIENT_CERTIFICATE_PATH}`);
  }
  if (e.MicrosoftAppId && !/^[0-9a-f-]{36}$/i.test(e.MicrosoftAppId)) {
    problems.push("MicrosoftAppId: must be the bot's Entra application (client) id, a GUID");
  }
  if (e.MicrosoftAppTenantId && !/^[0-9a-f-]{36}$/i.test(e.MicrosoftAppTenantId)) {
    problems.push('MicrosoftAppTenantId: must be a tenant id (GUID)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const frameworkSettings: Record<string, string> = {};
  for (const key of BOT_FRAMEWORK_KEYS) {
    const value = raw[key];
    if (value !== undefined) frameworkSettings[key] = value.trim();
  }
  const tenantId = e.MicrosoftAppTenantId?.toLowerCase();
  const allowedTenants = e.ALLOWED_TENANTS ?? (tenantId ? [tenantId] : []);

  const config: Config = {
    mode,
    http: {
      host: e.HOST ?? (mode === 'local' ? '127.0.0.1' : '0.0.0.0'),
      port: e.PORT,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
    logLevel: e.LOG_LEVEL,
    bot: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      appType: e.MicrosoftAppType,
      tenantId,
      loginUrl: (e.ToChannelFromBotLoginUrl ?? PUBLIC_BOT_LOGIN_URL).replace(/\/+$/, ''),
      oauthScope: e.ToChannelFromBotOAuthScope ?? PUBLIC_BOT_OAUTH_SCOPE,
      frameworkSettings: Object.freeze(frameworkSettings),
    },
    aad: { authorityHost: e.AAD_AUTHORITY_HOST, clientCertificatePath: e.AAD_CLIENT_CERTIFICATE_PATH },
    signIn: { connectionName: e.OAUTH_CONNECTION_NAME ?? '', pendingTimeoutMs: e.SIGNIN_TIMEOUT_SECONDS * 1000 },
    graph: { url: e.GRAPH_URL, scope: e.GRAPH_SCOPE ?? `${new URL(e.GRAPH_URL).origin}/.default` },
    defender: {
      api,
      filesUrl: e.DEFENDER_FILES_URL,
      indicatorsUrl: e.DEFENDER_INDICATORS_URL,
      filesScope: e.DEFENDER_FILES_SCOPE,
      indicatorsScope: e.DEFENDER_INDICATORS_SCOPE,
      timeoutMs: e.DEFENDER_TIMEOUT_MS,
      maxAttempts: e.DEFENDER_MAX_ATTEMPTS,
      maxRetryAfterSeconds: e.DEFENDER_MAX_RETRY_AFTER_SECONDS,
    },
    roles: {
      directory: e.ROLE_DIRECTORY ?? (mode === 'local' ? 'local' : 'graph'),
      cacheMs: e.ROLE_CACHE_SECONDS * 1000,
      localDirectoryPath: path.resolve(e.LOCAL_DIRECTORY_PATH ?? path.join(projectRoot(), 'src/identity/sample-directory.json')),
    },
    allowedTenants,
    files: { downloadHosts: e.FILE_DOWNLOAD_HOSTS },
    dataDir: path.resolve(e.DATA_DIR ?? path.join(projectRoot(), '.data')),
    behaviour: {
      undoWindowMs: e.UNDO_WINDOW_SECONDS * 1000,
      defaultExpiryDays: e.DEFAULT_EXPIRY_DAYS,
      widespreadThreshold: e.WIDESPREAD_THRESHOLD,
      invokeBudgetMs: e.INVOKE_BUDGET_MS,
      decisionTtlMs: e.DECISION_TTL_MINUTES * 60_000,
      bulkPatienceMs: e.BULK_PATIENCE_MINUTES * 60_000,
    },
    fairUse: {
      // Local mode is one simulated user (demos, benchmarks): its buckets are off unless set.
      commands: { perMinute: e.RATE_COMMANDS_PER_MINUTE ?? (mode === 'local' ? 0 : 30), burst: e.RATE_COMMAND_BURST },
      presses: { perMinute: e.RATE_CARD_PRESSES_PER_MINUTE ?? (mode === 'local' ? 0 : 60), burst: e.RATE_CARD_PRESS_BURST },
      maxBulkJobs: e.MAX_BULK_JOBS_PER_USER,
      maxExports: e.MAX_EXPORTS_PER_USER,
      bulkJobLeaseMs: e.BULK_JOB_LEASE_SECONDS * 1000,
    },
    approvals: {
      policy: e.APPROVAL_POLICY,
      channelId: e.APPROVAL_CHANNEL?.split(';')[0],
      ttlMs: e.APPROVAL_TTL_SECONDS * 1000,
      maxOpenPerUser: e.APPROVAL_MAX_OPEN_PER_USER,
      retentionMs: e.APPROVAL_RETENTION_DAYS * 86_400_000,
    },
    sweepMs: e.SWEEP_SECONDS * 1000,
    containment: { confirmAbove: e.CONTAIN_CONFIRM_DEVICES, pollMs: e.CONTAIN_POLL_SECONDS * 1000, watchMs: e.CONTAIN_WATCH_MINUTES * 60_000 },
    followUpAfterMs: e.FOLLOW_UP_AFTER_SECONDS !== undefined ? e.FOLLOW_UP_AFTER_SECONDS * 1000 : e.FOLLOW_UP_AFTER_MINUTES * 60_000,
    storage:
      e.STORAGE === 'azure-blob'
        ? { kind: 'azure-blob', connectionString: e.AZURE_STORAGE_CONNECTION_STRING ?? '', container: e.AZURE_STORAGE_CONTAINER, timeoutMs: e.AZURE_STORAGE_TIMEOUT_MS }
        : { kind: 'local' },
  };
  return deepFreeze(config);
}

/** Whether a HOST binds this machine only (127.0.0.0/8, ::1, localhost). */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
