import { startApp } from './app';
import { loadConfig } from './config';
import { ConfigError } from './errors';
import { createLogger } from './logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const app = await startApp(config, logger);
  logger.info(
    { url: app.url, mode: config.mode, defenderApi: config.defender.api, inboundAuth: config.mode === 'production' },
    config.mode === 'local'
      ? `Local mode: built-in Defender simulator, local role directory, inbound auth off. Listening on ${app.url}/api/messages (npm run playground to chat)`
      : `Production mode: inbound auth on. Listening on ${app.url}/api/messages`,
  );
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Shutting down: finishing in-flight work');
    let code = 0;
    try {
      await app.stop();
    } catch (error) {
      logger.error({ err: { message: (error as Error).message } }, 'Shutdown failed');
      code = 1;
    }
    await logger.flush();
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Exit from each write's callback: process.exit does not wait for a pending write to stderr.
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\nSee .env.sample for every setting.\n`, () => process.exit(78));
    return;
  }
  process.stderr.write(`Start-up failed: ${(error as Error)?.stack ?? String(error)}\n`, () => process.exit(1));
});
