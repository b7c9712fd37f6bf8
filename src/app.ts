import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import type { DefenderApi, DefenderTokens, Logger, RoleDirectory } from './domain/ports';
import { BackgroundWork } from './bot/background-work';
import { createAdapter, continuationsFor } from './bot/adapter';
import { BlockBot } from './bot/block-bot';
import { DefenderHttp } from './defender/defender-http';
import { FilesDefenderApi } from './defender/files-defender-api';
import { IndicatorsDefenderApi } from './defender/indicators-defender-api';
import { SimulatedDefender } from './defender/simulated-defender';
import { createServer } from './http/server';
import { AppDefenderTokens, NoDefenderTokens } from './identity/app-defender-tokens';
import { LocalRoleDirectory } from './identity/local-role-directory';
import { MemoryOnceStore } from './storage/memory-once-store';

/** A running bot: its address and how to stop it gracefully. */
export interface RunningApp {
  readonly url: string;
  stop(): Promise<void>;
}

/** Wires concrete classes from the configuration and starts listening. */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const background = new BackgroundWork(logger);
  const adapter = createAdapter(config, logger);
  const bot = new BlockBot({
    mode: config.mode,
    block: { roles: roleDirectory(config), defender: defenderApi(config, logger), tokens: defenderTokens(config) },
    seen: new MemoryOnceStore(),
    logger,
    background,
    allowedTenants: config.allowedTenants,
    continuation: continuationsFor(adapter),
  });
  const server = createServer(adapter, bot, logger, () => ({ mode: config.mode, defenderApi: config.defender.api, inFlight: background.size }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const finished = await background.drain(config.http.shutdownGraceMs);
      if (!finished) logger.warn({ inFlight: background.size }, 'Shutdown grace period ended with work still running');
    },
  };
}

function roleDirectory(config: Config): RoleDirectory {
  switch (config.roles.directory) {
    case 'local':
      return LocalRoleDirectory.fromFile(config.roles.localDirectoryPath);
  }
}

function defenderApi(config: Config, logger: Logger): DefenderApi {
  const d = config.defender;
  const http = () =>
    new DefenderHttp({
      timeoutMs: d.timeoutMs,
      logger,
      retry: { maxAttempts: d.maxAttempts, maxRetryAfterSeconds: d.maxRetryAfterSeconds, baseDelayMs: 500 },
    });
  switch (d.api) {
    case 'files':
      return new FilesDefenderApi(d.filesUrl, http());
    case 'indicators':
      return new IndicatorsDefenderApi(d.indicatorsUrl, http());
    case 'simulator':
      return new SimulatedDefender();
  }
}

function defenderTokens(config: Config): DefenderTokens {
  const { appId, appPassword, tenantId } = config.bot;
  if (config.defender.api === 'simulator' || !appId || !appPassword || !tenantId) return new NoDefenderTokens();
  const scope = config.defender.api === 'files' ? config.defender.filesScope : config.defender.indicatorsScope;
  return new AppDefenderTokens({ authorityHost: config.aad.authorityHost, tenantId, clientId: appId, clientSecret: appPassword }, scope);
}
