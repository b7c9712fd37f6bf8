import { TeamsSSOTokenExchangeMiddleware, type Storage } from 'botbuilder';
import { StoreBackedStorage } from './bot/store-backed-storage';
import type { Config } from './config-types';
import type { ContainmentApi } from './domain/containment-ports';
import type { AuditLog, DefenderApi, Delegations, Logger, OnceStore, RoleDirectory, Store } from './domain/ports';
import { createAdapter, continuationsFor, proactiveFor } from './bot/adapter';
import { LocalSessions, TokenServiceSessions, type UserSessions } from './bot/user-sessions';
import { createContainmentApi } from './defender/containment-factory';
import { DefenderHttp } from './defender/defender-http';
import { FilesDefenderApi } from './defender/files-defender-api';
import { IndicatorsDefenderApi } from './defender/indicators-defender-api';
import { RateLimiter, type Lane } from './defender/rate-limiter';
import { SimulatedDefender } from './defender/simulated-defender';
import { SimulatedFileCatalog } from './defender/simulated-file-details';
import { composeBot } from './compose-bot';
import { createServer } from './http/server';
import { GraphRoleDirectory } from './identity/graph-role-directory';
import { LOCAL_DELEGATION, LocalDelegations } from './identity/local-delegation';
import { LocalRoleDirectory } from './identity/local-role-directory';
import { SqliteAuditLog } from './storage/sqlite-audit-log';
import { openDatabase } from './storage/sqlite-database';
import { SqliteStore } from './storage/sqlite-store';

/** A running bot: its address and how to stop it gracefully. */
export interface RunningApp {
  readonly url: string;
  stop(): Promise<void>;
}

/** Wires concrete classes from the configuration and starts listening. */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const { store, audit, ssoStorage, close } = await openStorage(config);
  const adapter = createAdapter(config, logger);
  let sessions: UserSessions = new LocalSessions(LOCAL_DELEGATION);
  const proactive = proactiveFor(adapter, config.bot.appId ?? '');
  const simulatedFiles = new SimulatedFileCatalog();
  // One budget per process; lookups and actions each spend their own share of its queries.
  const limiter = new RateLimiter();
  const lookups = config.defender.api === 'simulator' ? undefined : defenderApi(config, logger, simulatedFiles, limiter, 'lookup');
  const actions = {
    roles: roleDirectory(config, logger),
    defender: defenderApi(config, logger, simulatedFiles, limiter, 'action'),
    containment: containmentApi(config, logger, simulatedFiles),
    audit,
    now: () => new Date(),
    widespreadThreshold: config.behaviour.widespreadThreshold,
  };
  if (config.mode === 'production') {
    sessions = new TokenServiceSessions(config.signIn.connectionName, adapter.UserTokenClientKey, await delegations(config), logger);
  }
  const {
    bot,
    admission,
    background,
    sweep: sweepOnce,
    resume,
    stop: stopBot,
  } = composeBot({
    config,
    adapter,
    actions,
    store,
    sessions,
    proactive,
    continuation: continuationsFor(proactive),
    logger,
    containment: actions.containment,
    lookups,
  });
  adapter.use(admission);
  if (config.mode === 'production') adapter.use(new TeamsSSOTokenExchangeMiddleware(ssoStorage, config.signIn.connectionName));
  const sweep = setInterval(() => void background.run('sweep', sweepOnce), config.sweepMs);
  sweep.unref();
  // Picks up tracked work (containment jobs, follow-ups) left by a previous run or another instance right away.
  void background.run('resume', resume);
  const server = createServer(adapter, bot, logger, () => ({ mode: config.mode, defenderApi: config.defender.api, inFlight: background.size }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => resolve());
  });
  const address = server.address();
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    async stop() {
      clearInterval(sweep);
      stopBot();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const finished = await background.drain(config.http.shutdownGraceMs);
      if (!finished) logger.warn({ inFlight: background.size }, 'Shutdown grace period ended with work still running');
      close();
    },
  };
}

/** The state (SSO de-duplication included) and the audit trail: one local database, or Azure Blob Storage shared by every instance. */
async function openStorage(config: Config): Promise<{ store: Store & OnceStore; audit: AuditLog; ssoStorage: Storage; close: () => void }> {
  if (config.storage.kind === 'azure-blob') {
    const { connectionString, container, timeoutMs } = config.storage;
    // Loaded only for this storage: local mode starts faster and smaller without the Azure SDK.
    const { BlobStore } = await import('./storage/blob-store');
    const { BlobAuditLog } = await import('./storage/blob-audit-log');
    const store = await BlobStore.connect(connectionString, container, { timeoutMs });
    return { store, audit: await BlobAuditLog.connect(connectionString, `${container}-audit`, { timeoutMs }), ssoStorage: new StoreBackedStorage(store), close: () => undefined };
  }
  const db = openDatabase(config.dataDir);
  const store = new SqliteStore(db);
  const close = () => store.close();

  return { store, audit: new SqliteAuditLog(db), ssoStorage: new StoreBackedStorage(store), close };
}

function roleDirectory(config: Config, logger: Logger): RoleDirectory {
  switch (config.roles.directory) {
    case 'local':
      return LocalRoleDirectory.fromFile(config.roles.localDirectoryPath);
    case 'graph':
      return new GraphRoleDirectory({ graphUrl: config.graph.url, cacheMs: config.roles.cacheMs, timeoutMs: config.defender.timeoutMs, logger });
  }
}

function defenderApi(config: Config, logger: Logger, simulatedFiles: SimulatedFileCatalog, limiter: RateLimiter, lane: Lane): DefenderApi {
  const d = config.defender;
  const http = () =>
    new DefenderHttp({
      timeoutMs: d.timeoutMs,
      logger,
      limiter,
      lane,
      retry: { maxAttempts: d.maxAttempts, maxRetryAfterSeconds: d.maxRetryAfterSeconds, baseDelayMs: 500 },
    });
  switch (d.api) {
    case 'files':
      return new FilesDefenderApi(d.filesUrl, http());
    case 'indicators':
      return new IndicatorsDefenderApi(d.indicatorsUrl, http());
    case 'simulator':
      return new SimulatedDefender(undefined, simulatedFiles);
  }
}

/** Stop & quarantine on devices: over the Defender for Endpoint API, or simulated; none with the legacy files API. */
function containmentApi(config: Config, logger: Logger, simulatedFiles: SimulatedFileCatalog): ContainmentApi | undefined {
  const d = config.defender;
  return createContainmentApi({
    api: d.api,
    baseUrl: d.indicatorsUrl,
    timeoutMs: d.timeoutMs,
    maxAttempts: d.maxAttempts,
    maxRetryAfterSeconds: d.maxRetryAfterSeconds,
    logger,
    simulatedFiles,
  });
}

async function delegations(config: Config): Promise<Delegations> {
  const { appId, appPassword, tenantId } = config.bot;
  if (config.mode === 'local' || !appId || !tenantId) return new LocalDelegations();
  const { OnBehalfOfDelegations } = await import('./identity/on-behalf-of');
  return new OnBehalfOfDelegations({
    authorityHost: config.aad.authorityHost,
    clientId: appId,
    clientSecret: appPassword,
    certificatePath: config.aad.clientCertificatePath,
    defaultTenantId: tenantId,
    graphScope: config.graph.scope,
    defenderScope: config.defender.api === 'files' ? config.defender.filesScope : config.defender.indicatorsScope,
  });
}
